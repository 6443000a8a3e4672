from django.urls import path

from casework.care.views import (
    check_ins,
    client,
    emergency,
    notes,
    practitioner,
    referrals,
    supervision,
)

app_name = "care"

urlpatterns = [
    # The practitioner's side
    path("care/caseload/", practitioner.caseload, name="caseload"),
    path("care/clients/<uuid:case_id>/", practitioner.case_page, name="case"),
    path("care/clients/<uuid:case_id>/details/", practitioner.edit_case, name="edit_case"),
    path("care/clients/<uuid:case_id>/status/", practitioner.change_status, name="change_status"),
    path("care/clients/<uuid:case_id>/online-work/", practitioner.suitability, name="suitability"),
    path("care/clients/<uuid:case_id>/supervisor/", supervision.supervisor, name="supervisor"),
    path(
        "care/clients/<uuid:case_id>/check-ins/new/",
        practitioner.assign_plan,
        name="assign_plan",
    ),
    path("care/plans/<id:plan_id>/", practitioner.change_plan, name="change_plan"),
    path(
        "care/flags/<uuid:flag_id>/acknowledge/",
        practitioner.acknowledge_flag,
        name="acknowledge_flag",
    ),
    path(
        "care/enquiries/<uuid:conversation_id>/take-on/",
        practitioner.take_on_enquiry,
        name="take_on_enquiry",
    ),
    # Supervision: invited by the practitioner, accepted by the colleague, ended by any of three.
    path("care/supervision/", supervision.supervision, name="supervision"),
    path(
        "care/supervision/<uuid:supervision_id>/answer/",
        supervision.answer_supervision,
        name="answer_supervision",
    ),
    path(
        "care/supervision/<uuid:supervision_id>/end/",
        supervision.end_supervision,
        name="end_supervision",
    ),
    # Case notes
    path("care/clients/<uuid:case_id>/notes/", notes.case_notes, name="case_notes"),
    path("care/clients/<uuid:case_id>/notes/new/", notes.new_note, name="new_note"),
    path("care/notes/<uuid:note_id>/", notes.note, name="note"),
    path("care/notes/<uuid:note_id>/edit/", notes.edit_note, name="edit_note"),
    path("care/notes/<uuid:note_id>/addenda/", notes.add_addendum, name="add_addendum"),
    # Referrals and transfers
    path("care/clients/<uuid:case_id>/refer/", referrals.refer, name="refer"),
    path("care/referrals/", referrals.referral_list, name="referrals"),
    path("care/referrals/<uuid:referral_id>/", referrals.referral, name="referral"),
    path(
        "care/referrals/<uuid:referral_id>/withdraw/",
        referrals.withdraw_referral,
        name="withdraw_referral",
    ),
    path(
        "care/referrals/<uuid:referral_id>/renew/",
        referrals.renew_referral,
        name="renew_referral",
    ),
    path(
        "care/referrals/<uuid:referral_id>/accept/",
        referrals.accept_referral,
        name="accept_referral",
    ),
    path(
        "care/referrals/<uuid:referral_id>/decline/",
        referrals.decline_referral,
        name="decline_referral",
    ),
    # Break-glass
    path("care/emergency/", emergency.emergency_lookup, name="emergency_lookup"),
    path(
        "care/emergency/<uuid:case_id>/",
        emergency.open_emergency_details,
        name="break_glass",
    ),
    # The client's side
    path("care/my/", client.my_care, name="my_care"),
    path(
        "care/my/<uuid:case_id>/consent/<str:technology>/",
        client.give_consent,
        name="consent",
    ),
    path(
        "care/my/<uuid:case_id>/consent/<str:technology>/withdraw/",
        client.withdraw_consent,
        name="withdraw_consent",
    ),
    path("care/check-ins/<uuid:check_in_id>/", check_ins.check_in, name="check_in"),
]
