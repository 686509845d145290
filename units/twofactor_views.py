"""Sign-in with a second step, and the pages where an account enrols its phone and keeps its recovery
codes (the rules are units.twofactor's)."""

from urllib.parse import urlencode

from axes.helpers import get_lockout_response
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from . import twofactor


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Mã xác thực"),
        max_length=32,
        error_messages={"required": gettext_lazy("Nhập mã 6 chữ số trên ứng dụng xác thực, hoặc một mã dự phòng.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "class": "form-control form-control-lg text-center",
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
    )


# --- Sign-in ------------------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    """The password. An account with an authenticator app is not signed in yet: it is held pending in the
    session and asked for its code (SignInCodeView)."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if twofactor.totp_device(user) is None:
            return super().form_valid(form)
        twofactor.begin_pending(self.request, user, user.backend, self.get_success_url())
        return redirect("twofactor:sign_in_code")


@method_decorator([login_not_required, sensitive_post_parameters("code"), never_cache], name="dispatch")
class SignInCodeView(FormView):
    """The second step: a code from the app, or a recovery code. A wrong code is a failed login for
    django-axes (the same count and lock-out as a wrong password, by account and address)."""

    template_name = "twofactor/sign_in_code.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        self.pending = twofactor.pending(request)
        user = None
        if self.pending is not None:
            user = get_user_model()._default_manager.filter(pk=self.pending["user"], is_active=True).first()
        if user is None:
            twofactor.end_pending(request)
            messages.info(request, _("Vui lòng đăng nhập lại."))
            return redirect(settings.LOGIN_URL)
        self.user = user
        return super().dispatch(request, *args, **kwargs)

    def credentials(self):
        return {"username": self.user.get_username()}

    def post(self, request, *args, **kwargs):
        if settings.AXES_ENABLED:
            from axes.handlers.proxy import AxesProxyHandler

            if not AxesProxyHandler.is_allowed(request, self.credentials()):
                twofactor.end_pending(request)
                return get_lockout_response(request, None, self.credentials())  # the login page, 403
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        request = self.request
        try:
            device = twofactor.verify(self.user, form.cleaned_data["code"])
        except twofactor.Throttled as wait:
            # Not checked, so not counted: the person is told to wait, a guesser gains nothing.
            form.add_error(
                "code",
                _("Đã nhập sai mã. Vui lòng đợi %(seconds)d giây rồi nhập lại.") % {"seconds": wait.seconds},
            )
            return self.form_invalid(form)
        if device is None:
            user_login_failed.send(sender=__name__, credentials=self.credentials(), request=request)
            if getattr(request, "axes_locked_out", False):
                twofactor.end_pending(request)  # AxesMiddleware answers with the lock-out page
            form.add_error("code", _("Mã xác thực không đúng."))
            return self.form_invalid(form)
        next_url = self.pending.get("next") or settings.LOGIN_REDIRECT_URL
        twofactor.end_pending(request)
        self.user.otp_device = device  # django-otp marks the session verified on login
        auth_login(request, self.user, backend=self.pending["backend"])
        if isinstance(device, StaticDevice):
            left = device.token_set.count()
            messages.warning(
                request,
                _("Bạn vừa dùng một mã dự phòng (mỗi mã chỉ dùng được một lần); còn %(left)d mã.") % {"left": left},
            )
        return redirect(twofactor.safe_next(request, next_url, reverse("home")))

    def get_context_data(self, **kwargs):
        return super().get_context_data(account=self.user, **kwargs)


# --- The account's own pages ------------------------------------------------------------------------


def _overview(request):
    return reverse("twofactor:overview")


@method_decorator(twofactor.exempt, name="dispatch")
class TwoFactorOverviewView(TemplateView):
    """Whether the account has two-factor sign-in, whether its role requires it, and what it may do."""

    template_name = "twofactor/overview.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        device = twofactor.totp_device(user)
        return super().get_context_data(
            device=device,
            required=twofactor.required_for(user),
            verified=user.is_verified(),
            codes_left=twofactor.recovery_codes_left(user) if device else 0,
            **kwargs,
        )


@method_decorator([twofactor.exempt, sensitive_post_parameters("code")], name="dispatch")
class EnrolView(FormView):
    """Scan the QR code (or type the key), then type one code from the app: only a right code saves it."""

    template_name = "twofactor/enrol.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not user.is_verified() and twofactor.totp_device(user) is not None:
            # Signed in without the code (the admin's login, a session from before): not here to replace
            # the phone. Sign in again, with the code.
            logout(request)
            messages.info(request, _("Tài khoản đã bật xác thực hai bước: vui lòng đăng nhập lại bằng mật khẩu và mã."))
            return redirect(settings.LOGIN_URL)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        key = twofactor.enrolment_key(self.request.session)
        return super().get_context_data(
            qr=mark_safe(twofactor.qr_svg(twofactor.provisioning_url(user, key))),  # SVG markup drawn by segno
            secret=twofactor.secret_text(key),
            required=twofactor.required_for(user),
            replacing=user.is_verified(),
            next=self.request.GET.get("next", ""),
            **kwargs,
        )

    def form_valid(self, form):
        request = self.request
        key = twofactor.enrolment_key(request.session)
        step = twofactor.matching_step(key, form.cleaned_data["code"])
        if step is None:
            form.add_error(
                "code",
                _(
                    "Mã không đúng. Hãy nhập mã đang hiện trên ứng dụng (mã đổi sau mỗi 30 giây) và kiểm tra giờ "
                    "trên điện thoại."
                ),
            )
            return self.form_invalid(form)
        device, codes = twofactor.enrol(user=request.user, key=key, step=step)
        request.session.cycle_key()  # a session that gained the second step gets a new key
        otp_login(request, device)
        request.session.pop(twofactor.ENROL_KEY_SESSION_KEY, None)
        request.session[twofactor.NEW_CODES_SESSION_KEY] = codes
        messages.success(request, _("Đã bật xác thực hai bước. Từ lần sau, đăng nhập cần thêm mã trên điện thoại."))
        target = reverse("twofactor:recovery_codes")
        next_url = twofactor.safe_next(request, request.POST.get("next") or request.GET.get("next"), "")
        if next_url:
            target += "?" + urlencode({"next": next_url})
        return redirect(target)


class RecoveryCodesView(View):
    """New codes are shown once, right after they are made; afterwards only how many are left."""

    template_name = "twofactor/recovery_codes.html"

    def get(self, request):
        device = twofactor.totp_device(request.user)
        if device is None:
            return redirect(_overview(request))
        codes = request.session.pop(twofactor.NEW_CODES_SESSION_KEY, None)
        return render(
            request,
            self.template_name,
            {
                "codes": codes,
                "codes_left": twofactor.recovery_codes_left(request.user),
                "next": twofactor.safe_next(request, request.GET.get("next"), ""),
            },
        )

    def post(self, request):
        if twofactor.totp_device(request.user) is None:
            return redirect(_overview(request))
        if not request.user.is_verified():
            raise PermissionDenied(_("Cần đăng nhập bằng mã xác thực trước khi tạo mã dự phòng mới."))
        request.session[twofactor.NEW_CODES_SESSION_KEY] = twofactor.regenerate_recovery_codes(user=request.user)
        messages.success(request, _("Đã tạo mã dự phòng mới; các mã cũ không dùng được nữa."))
        return redirect("twofactor:recovery_codes")


class DisableView(View):
    """Turn two-factor sign-in off, where the role does not require it (a secretary's choice)."""

    def post(self, request):
        user = request.user
        if twofactor.required_for(user):
            raise PermissionDenied(_("Vai trò của bạn bắt buộc xác thực hai bước."))
        if twofactor.totp_device(user) is not None and not user.is_verified():
            raise PermissionDenied(_("Cần đăng nhập bằng mã xác thực trước khi tắt xác thực hai bước."))
        twofactor.disable(user=user)
        messages.success(request, _("Đã tắt xác thực hai bước."))
        return redirect(_overview(request))
