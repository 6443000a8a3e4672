"""A case's export for a transfer in a browser, in English and in Spanish: the practitioner
asks from the case, the client agrees on her page, the practitioner downloads the ZIP. Each
page passes axe and fits a 320px screen."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from casework.privacy.rights_models import DataExport, ExportStatus
from casework.testing import care, factories
from tests.browser.helpers import AssertAccessible, check_page, signed_in_as

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_practitioner_asks_the_client_agrees_and_the_case_is_downloaded(
    language: str,
    profile_in: Callable[[str], BrowserContext],
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    robin = factories.ClientFactory.create(alias="Robin", language=language)
    amara = factories.PractitionerFactory.create(legal_name="Amara Okafor", language=language)
    case = care.ready_case(amara, robin, emergency_contact="Sam", crisis_plan="Call Sam")

    practitioner = profile_in(language)
    signed_in_as(practitioner, site, amara)
    amaras = practitioner.new_page()
    amaras.goto(f"{site}/care/clients/{case.pk}/")
    amaras.locator(f'a[href="/care/clients/{case.pk}/transfer-export/"]').click()
    check_page(amaras, language, assert_accessible)
    amaras.locator('button[value="ask"]').click()
    expect(amaras.locator('button[value="call_off"]')).to_be_visible()
    check_page(amaras, language, assert_accessible)
    asked = DataExport.objects.get(case=case)
    assert asked.status == ExportStatus.ASKING

    client = profile_in(language)
    signed_in_as(client, site, robin)
    robins = client.new_page()
    robins.goto(f"{site}/care/my/")
    robins.locator(f'a[href="/care/my/transfer-exports/{asked.pk}/"]').click()
    check_page(robins, language, assert_accessible)
    robins.locator('button[value="agree"]').click()
    expect(robins.locator('button[value="agree"]')).to_have_count(0)
    check_page(robins, language, assert_accessible)

    # Tasks run at once in tests: the archive is ready when the practitioner comes back.
    amaras.goto(f"{site}/care/clients/{case.pk}/transfer-export/")
    download_link = amaras.locator(f'a[href="/care/clients/{case.pk}/transfer-export/{asked.pk}/"]')
    expect(download_link).to_be_visible()
    check_page(amaras, language, assert_accessible)
    with amaras.expect_download() as downloading:
        download_link.click()
    assert downloading.value.suggested_filename.startswith("casework-case-transfer-")
