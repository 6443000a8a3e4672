"""The names of the regions that regulate social work on their own (ISO 3166-2), in the
reader's language.

CLDR names countries (Babel reads them, see ``places``), but Babel ships no subdivision names,
and pycountry's translations of them are patchy ("England" in Spanish). These are the only
subdivisions the registry loads (``reference_data.COUNTRIES_WITH_SUBDIVISIONS``), so they are
named here, through the translation catalogue like any other text.
"""

import functools

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from casework.locales import cldr_locale, reader_language

REGION_NAMES: dict[str, Promise] = {
    "GB-ENG": pgettext_lazy("region", "England"),
    "GB-NIR": pgettext_lazy("region", "Northern Ireland"),
    "GB-SCT": pgettext_lazy("region", "Scotland"),
    "GB-WLS": pgettext_lazy("region", "Wales"),
    "US-AK": pgettext_lazy("region", "Alaska"),
    "US-AL": pgettext_lazy("region", "Alabama"),
    "US-AR": pgettext_lazy("region", "Arkansas"),
    "US-AS": pgettext_lazy("region", "American Samoa"),
    "US-AZ": pgettext_lazy("region", "Arizona"),
    "US-CA": pgettext_lazy("region", "California"),
    "US-CO": pgettext_lazy("region", "Colorado"),
    "US-CT": pgettext_lazy("region", "Connecticut"),
    "US-DC": pgettext_lazy("region", "District of Columbia"),
    "US-DE": pgettext_lazy("region", "Delaware"),
    "US-FL": pgettext_lazy("region", "Florida"),
    "US-GA": pgettext_lazy("region", "Georgia"),
    "US-GU": pgettext_lazy("region", "Guam"),
    "US-HI": pgettext_lazy("region", "Hawaii"),
    "US-IA": pgettext_lazy("region", "Iowa"),
    "US-ID": pgettext_lazy("region", "Idaho"),
    "US-IL": pgettext_lazy("region", "Illinois"),
    "US-IN": pgettext_lazy("region", "Indiana"),
    "US-KS": pgettext_lazy("region", "Kansas"),
    "US-KY": pgettext_lazy("region", "Kentucky"),
    "US-LA": pgettext_lazy("region", "Louisiana"),
    "US-MA": pgettext_lazy("region", "Massachusetts"),
    "US-MD": pgettext_lazy("region", "Maryland"),
    "US-ME": pgettext_lazy("region", "Maine"),
    "US-MI": pgettext_lazy("region", "Michigan"),
    "US-MN": pgettext_lazy("region", "Minnesota"),
    "US-MO": pgettext_lazy("region", "Missouri"),
    "US-MP": pgettext_lazy("region", "Northern Mariana Islands"),
    "US-MS": pgettext_lazy("region", "Mississippi"),
    "US-MT": pgettext_lazy("region", "Montana"),
    "US-NC": pgettext_lazy("region", "North Carolina"),
    "US-ND": pgettext_lazy("region", "North Dakota"),
    "US-NE": pgettext_lazy("region", "Nebraska"),
    "US-NH": pgettext_lazy("region", "New Hampshire"),
    "US-NJ": pgettext_lazy("region", "New Jersey"),
    "US-NM": pgettext_lazy("region", "New Mexico"),
    "US-NV": pgettext_lazy("region", "Nevada"),
    "US-NY": pgettext_lazy("region", "New York"),
    "US-OH": pgettext_lazy("region", "Ohio"),
    "US-OK": pgettext_lazy("region", "Oklahoma"),
    "US-OR": pgettext_lazy("region", "Oregon"),
    "US-PA": pgettext_lazy("region", "Pennsylvania"),
    "US-PR": pgettext_lazy("region", "Puerto Rico"),
    "US-RI": pgettext_lazy("region", "Rhode Island"),
    "US-SC": pgettext_lazy("region", "South Carolina"),
    "US-SD": pgettext_lazy("region", "South Dakota"),
    "US-TN": pgettext_lazy("region", "Tennessee"),
    "US-TX": pgettext_lazy("region", "Texas"),
    "US-UM": pgettext_lazy("region", "United States Minor Outlying Islands"),
    "US-UT": pgettext_lazy("region", "Utah"),
    "US-VA": pgettext_lazy("region", "Virginia"),
    "US-VI": pgettext_lazy("region", "United States Virgin Islands"),
    "US-VT": pgettext_lazy("region", "Vermont"),
    "US-WA": pgettext_lazy("region", "Washington"),
    "US-WI": pgettext_lazy("region", "Wisconsin"),
    "US-WV": pgettext_lazy("region", "West Virginia"),
    "US-WY": pgettext_lazy("region", "Wyoming"),
    "CA-AB": pgettext_lazy("region", "Alberta"),
    "CA-BC": pgettext_lazy("region", "British Columbia"),
    "CA-MB": pgettext_lazy("region", "Manitoba"),
    "CA-NB": pgettext_lazy("region", "New Brunswick"),
    "CA-NL": pgettext_lazy("region", "Newfoundland and Labrador"),
    "CA-NS": pgettext_lazy("region", "Nova Scotia"),
    "CA-NT": pgettext_lazy("region", "Northwest Territories"),
    "CA-NU": pgettext_lazy("region", "Nunavut"),
    "CA-ON": pgettext_lazy("region", "Ontario"),
    "CA-PE": pgettext_lazy("region", "Prince Edward Island"),
    "CA-QC": pgettext_lazy("region", "Quebec"),
    "CA-SK": pgettext_lazy("region", "Saskatchewan"),
    "CA-YT": pgettext_lazy("region", "Yukon"),
    "AU-ACT": pgettext_lazy("region", "Australian Capital Territory"),
    "AU-NSW": pgettext_lazy("region", "New South Wales"),
    "AU-NT": pgettext_lazy("region", "Northern Territory"),
    "AU-QLD": pgettext_lazy("region", "Queensland"),
    "AU-SA": pgettext_lazy("region", "South Australia"),
    "AU-TAS": pgettext_lazy("region", "Tasmania"),
    "AU-VIC": pgettext_lazy("region", "Victoria"),
    "AU-WA": pgettext_lazy("region", "Western Australia"),
}


@functools.cache
def territory_names(language: str) -> dict[str, str]:
    """CLDR's names of countries in ``language`` (English when CLDR has no such locale)."""
    return dict(cldr_locale(language).territories)


def place_name(code: str, fallback: str) -> str:
    """A country's or region's name in the reader's language: "Inglaterra", "España"."""
    region = REGION_NAMES.get(code)
    if region is not None:
        return str(region)
    return territory_names(reader_language()).get(code) or fallback
