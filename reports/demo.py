"""The reports' part of the demo (recruitment.demo.demo_written): quarterly returns sent and not
sent. The quarter before last was sent by every committee and closed by the province; of the last
quarter, two committees in three have sent theirs, so the returns page shows both."""

from units import services as unit_services
from units.models import Unit
from units.periods import previous_quarter, quarter_bounds
from units.roles import Role

from . import services


def write_demo_returns(sender, *, builder, users, **kwargs):
    if len(builder.units) > 5000:  # the benchmark's province: returns are not what it measures
        return
    today = builder.as_of
    province_staff = next(u for u in users if u.role == Role.STAFF and u.unit_id == builder.province.pk)
    staff_by_unit = {u.unit_id: u for u in users if u.role == Role.STAFF}
    last = previous_quarter(today)
    before = previous_quarter(quarter_bounds(*last)[0])
    committees = list(Unit.objects.children_of(builder.province))
    for index, committee in enumerate(committees):
        actor = staff_by_unit.get(committee.pk, province_staff)
        services.return_submit(actor=actor, unit=committee, year=before[0], quarter=before[1], today=today)
        if index % 3 != 2:
            services.return_submit(actor=actor, unit=committee, year=last[0], quarter=last[1], today=today)
    services.return_submit(actor=province_staff, unit=builder.province, year=before[0], quarter=before[1], today=today)
    unit_services.quarter_close(
        actor=province_staff, unit=builder.province, year=before[0], quarter=before[1], today=today
    )
