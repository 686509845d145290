"""Pages of the accounts of a subtree (staff), and the password pages of every account.

Accounts come through units.mixins with the action MANAGE_ACCOUNTS: an account outside the user's
subtree is a 404, exactly as one that does not exist; a role that manages no accounts gets a 403. The
writes are units.accounts'. Credentials (a temporary password, a one-time link) are shown in the answer
to the POST that made them and nowhere else: nothing keeps them.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from openpyxl import Workbook

from . import accounts, audit
from .account_forms import (
    AccountBulkForm,
    AccountCreateForm,
    AccountFilter,
    AccountMoveForm,
    CredentialsForm,
    PasswordChangeForm,
    SetPasswordForm,
)
from .account_tables import AccountTable
from .accounts import CredentialKind
from .mixins import ActionRequiredMixin, RestrictedObjectMixin, breadcrumbs
from .models import AccountBatch, User
from .permissions import MANAGE_ACCOUNTS, may_manage
from .spreadsheets import XLSX_CONTENT_TYPE, safe_value

PER_PAGE = 50
HISTORY_LIMIT = 50
DENIED = gettext_lazy("Chỉ cán bộ Ban Tổ chức quản lý tài khoản.")


def bounded_page_size(text, default=PER_PAGE, lowest=10, highest=200):
    text = (text or "").strip()
    if not text or len(text) > 6 or not text.isascii() or not text.isdigit():
        return default
    return min(max(int(text), lowest), highest)


class AccountsMixin(ActionRequiredMixin):
    action = MANAGE_ACCOUNTS
    permission_denied_message = DENIED


class AccountListView(AccountsMixin, SingleTableMixin, FilterView):
    """Every account of the user's subtree: sortable, filterable, 50 a page."""

    table_class = AccountTable
    filterset_class = AccountFilter
    template_name = "units/account_list.html"

    def get_table_pagination(self, table):
        return {"per_page": bounded_page_size(self.request.GET.get("per_page"))}

    def get(self, request, *args, **kwargs):
        query = request.GET.copy()
        if "per_page" in query:  # django-tables2 reads it unbounded
            query["per_page"] = str(bounded_page_size(query.get("per_page")))
        if query.get("sort", "").lstrip("-") not in AccountTable.base_columns:
            query.pop("sort", None)  # only the table's own columns (anything else is no order at all)
        request.GET = query
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return User.objects.restrict(self.request.user, MANAGE_ACCOUNTS).select_related("unit")

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def get_context_data(self, **kwargs):
        batches = AccountBatch.objects.filter(created_by=self.request.user)[:5]
        return super().get_context_data(batches=batches, **kwargs)


class AccountMixin(AccountsMixin, RestrictedObjectMixin):
    """A page about one account of the subtree."""

    queryset = User.objects.select_related("unit")

    def get_queryset(self):
        return self.queryset.filter(is_superuser=False) if not self.request.user.is_superuser else self.queryset

    def get_object(self):
        account = super().get_object()
        if account.unit_id is None:  # only a superuser reaches one; nothing to scope it by
            raise PermissionDenied(self.permission_denied_message)
        return account

    def scope_unit(self, account):
        return account.unit

    def require_manage(self):
        if not may_manage(self.request.user, self.object):
            raise PermissionDenied(
                _("Tài khoản này (của bạn, hoặc cùng vai trò ở đơn vị của bạn) do cấp ủy cấp trên quản lý.")
            )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            account=self.object,
            crumbs=breadcrumbs(self.request.user, self.object.unit),
            can_manage=may_manage(self.request.user, self.object),
            **kwargs,
        )


def account_history(account, viewer):
    """The account's changes as `viewer` may read them: a unit it moved from outside their scope,
    and who changed it from such a unit, are not named (units.audit.describe)."""
    records = list(account.history.select_related("history_user__unit").order_by("-history_id")[: HISTORY_LIMIT + 1])
    return audit.describe(records, User, complete=len(records) <= HISTORY_LIMIT, viewer=viewer)[:HISTORY_LIMIT]


class AccountDetailView(AccountMixin, TemplateView):
    template_name = "units/account_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            history=account_history(self.object, self.request.user),
            credentials_form=CredentialsForm(),
            **kwargs,
        )


def show_credentials(request, issued, *, title, back_url):
    """The page that shows credentials, once: the answer to the POST that made them."""
    rows = [
        {
            "account": item.account,
            "password": item.password,
            "link": request.build_absolute_uri(item.link_path) if item.link_path else "",
        }
        for item in issued
    ]
    return render(
        request,
        "units/account_credentials.html",
        {"rows": rows, "title": title, "back_url": back_url, "link_days": link_days()},
    )


def link_days():
    return max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1)


class AccountCreateView(AccountsMixin, FormView):
    template_name = "units/account_form.html"
    form_class = AccountCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"unit": (self.request.GET.get("don-vi") or "")[:30]}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Tạo tài khoản"), **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            issued = accounts.account_create(
                actor=self.request.user,
                unit=data["unit"],
                role=data["role"],
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                credentials=data["credentials"],
            )
        except PermissionDenied as error:
            form.add_error("role", str(error))
            return self.form_invalid(form)
        except ValidationError as error:
            fields = getattr(error, "error_dict", {})
            for name, errors in (fields or {None: error.error_list}).items():
                form.add_error(name if name in form.fields else None, errors)
            return self.form_invalid(form)
        return show_credentials(
            self.request,
            [issued],
            title=_("Đã tạo tài khoản %(username)s") % {"username": issued.account.username},
            back_url=reverse("accounts:detail", args=[issued.account.pk]),
        )


class AccountResetPasswordView(AccountMixin, View):
    def post(self, request, pk):
        self.require_manage()
        form = CredentialsForm(request.POST)
        kind = form.cleaned_data["credentials"] if form.is_valid() else CredentialKind.PASSWORD
        issued = accounts.account_reset_password(actor=request.user, account=self.object, credentials=kind)
        return show_credentials(
            request,
            [issued],
            title=_("Đã đặt lại mật khẩu của %(username)s") % {"username": self.object.username},
            back_url=reverse("accounts:detail", args=[self.object.pk]),
        )


class AccountActiveView(AccountMixin, View):
    """Disable (active=0) or enable again (active=1)."""

    def post(self, request, pk):
        self.require_manage()
        active = request.POST.get("active") == "1"
        accounts.account_set_active(actor=request.user, account=self.object, active=active)
        if active:
            messages.success(request, _("Đã mở lại tài khoản %(username)s.") % {"username": self.object.username})
        else:
            messages.success(
                request,
                _("Đã khóa tài khoản %(username)s: không đăng nhập được nữa cho đến khi mở lại.")
                % {"username": self.object.username},
            )
        return redirect("accounts:detail", pk=self.object.pk)


class AccountMoveView(AccountMixin, FormView):
    template_name = "units/account_form.html"
    form_class = AccountMoveForm

    def check_permission(self):
        super().check_permission()
        self.require_manage()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "account": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Chuyển tài khoản %(username)s sang đơn vị khác") % {"username": self.object.username},
            **kwargs,
        )

    def form_valid(self, form):
        old, old_role = self.object.unit, self.object.role
        try:
            accounts.account_move(
                actor=self.request.user,
                account=self.object,
                unit=form.cleaned_data["unit"],
                role=form.cleaned_data["role"],
            )
        except PermissionDenied as error:
            form.add_error("role", str(error))
            return self.form_invalid(form)
        except ValidationError as error:
            self.object.unit, self.object.role = old, old_role  # nothing was saved
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Đã chuyển %(username)s từ %(old)s sang %(new)s.")
            % {"username": self.object.username, "old": old.name, "new": self.object.unit.name},
        )
        return redirect("accounts:detail", pk=self.object.pk)


class AccountBulkCreateView(AccountsMixin, FormView):
    """Secretaries' accounts for many cells at once, from lines pasted from a sheet: all or nothing."""

    template_name = "units/account_bulk.html"
    form_class = AccountBulkForm

    def form_valid(self, form):
        rows = accounts.parse_pasted(form.cleaned_data["lines"])
        if not rows:
            form.add_error("lines", _("Danh sách chưa có dòng nào."))
            return self.form_invalid(form)
        source = _("Danh sách dán vào (%(n)d dòng)") % {"n": len(rows)}
        try:
            result = accounts.accounts_bulk_create(
                actor=self.request.user,
                rows=rows,
                source=source,
                column_labels={"unit": _("mã chi bộ"), "username": _("tên đăng nhập"), "full_name": _("họ và tên")},
            )
        except accounts.BulkRefused as refused:
            return self.render_to_response(self.get_context_data(form=form, problems=refused.problems))
        messages.success(
            self.request,
            _("Đã tạo %(n)d tài khoản. Tải danh sách mật khẩu tạm dưới đây để trao cho từng người.")
            % {"n": len(result.accounts)},
        )
        return redirect("accounts:batch", pk=result.batch.pk)


class BatchMixin(AccountsMixin):
    """A batch is its creator's (and a superuser's); anyone else's is a 404."""

    def get_batch(self, pk):
        batches = AccountBatch.objects.all()
        if not self.request.user.is_superuser:
            batches = batches.filter(created_by=self.request.user)
        return get_object_or_404(batches.select_related("issued_by"), pk=pk)


class AccountBatchView(BatchMixin, TemplateView):
    template_name = "units/account_batch.html"

    def get_context_data(self, **kwargs):
        batch = self.get_batch(self.kwargs["pk"])
        members = list(batch.accounts.select_related("unit").order_by("unit__path", "username"))
        return super().get_context_data(
            batch=batch,
            members=members,
            pending=sum(1 for a in members if a.is_active and a.must_change_password and a.last_login is None),
            credentials_form=CredentialsForm(),
            link_days=link_days(),
            **kwargs,
        )


class AccountBatchDownloadView(BatchMixin, View):
    """Set the batch's credentials and send them as a workbook: the only time they are shown."""

    def post(self, request, pk):
        batch = self.get_batch(pk)
        form = CredentialsForm(request.POST)
        kind = form.cleaned_data["credentials"] if form.is_valid() else CredentialKind.PASSWORD
        issued = accounts.batch_issue_credentials(actor=request.user, batch=batch, credentials=kind)
        if not issued:
            messages.info(request, _("Mọi tài khoản của đợt này đã đăng nhập hoặc bị khóa: không có gì để cấp."))
            return redirect("accounts:batch", pk=batch.pk)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Tài khoản"))
        secret = _("Mật khẩu tạm") if kind == CredentialKind.PASSWORD else _("Đường dẫn đặt mật khẩu")
        sheet.append([_("Mã đơn vị"), _("Tên đơn vị"), _("Họ và tên"), _("Tên đăng nhập"), secret])
        for item in issued:
            account = item.account
            value = item.password or request.build_absolute_uri(item.link_path)
            sheet.append(
                [
                    safe_value(sheet, v)
                    for v in (account.unit.code, account.unit.name, account.get_full_name(), account.username, value)
                ]
            )
        response = HttpResponse(content_type=XLSX_CONTENT_TYPE)
        workbook.save(response)
        response["Content-Disposition"] = f'attachment; filename="tai-khoan-{batch.pk}.xlsx"'
        return response


# --- Every account's own password -----------------------------------------------------------------


class PasswordChangeView(FormView):
    """Change one's own password; the page a new or reset account is sent to (units.middleware)."""

    template_name = "registration/password_change.html"
    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def next_url(self):
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if target and url_has_allowed_host_and_scheme(target, {self.request.get_host()}, self.request.is_secure()):
            return target
        return reverse("home")

    def get_context_data(self, **kwargs):
        return super().get_context_data(forced=self.request.user.must_change_password, next=self.next_url(), **kwargs)

    def form_valid(self, form):
        user = form.save(commit=False)
        accounts.password_changed(user)
        update_session_auth_hash(self.request, user)  # stay signed in here; other sessions end
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return redirect(self.next_url())


@method_decorator(login_not_required, name="dispatch")
class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The one-time link: choose a password (the link works once, and not for a disabled account)."""

    template_name = "registration/set_password.html"
    form_class = SetPasswordForm
    token_generator = accounts.set_password_tokens
    reset_url_token = "dat-mat-khau"
    success_url = reverse_lazy("login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def render_to_response(self, context, **kwargs):
        # A dead or forged link is not found: the same answer for any account, known or not.
        if not context.get("validlink"):
            kwargs["status"] = 404
        return super().render_to_response(context, **kwargs)

    def form_valid(self, form):
        user = form.save(commit=False)
        accounts.password_changed(user)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("Đã đặt mật khẩu. Hãy đăng nhập bằng mật khẩu mới."))
        return redirect(self.success_url)
