"""``pytest --clock``: the whole session runs at the moment asked for, and says so."""

from datetime import UTC, datetime, timedelta

import pytest

from casework.testing.clock import LONDON, parse_clock

# A winter evening in London: midnight in London is midnight UTC.
REAL = datetime(2026, 12, 2, 17, 30, tzinfo=UTC)


def test_before_midnight_is_two_minutes_before_tonights_midnight_in_london() -> None:
    assert parse_clock("before-midnight", now=REAL) == datetime(2026, 12, 2, 23, 58, tzinfo=UTC)


def test_after_midnight_is_the_small_hours_of_tomorrow_in_london() -> None:
    assert parse_clock("after-midnight", now=REAL) == datetime(2026, 12, 3, 0, 2, tzinfo=UTC)


def test_midnight_follows_london_in_summer_not_utc() -> None:
    summer = datetime(2026, 6, 3, 22, 30, tzinfo=UTC)  # 23:30 in London
    moment = parse_clock("after-midnight", now=summer)
    assert moment == datetime(2026, 6, 4, 0, 2, tzinfo=LONDON)
    assert moment == datetime(2026, 6, 3, 23, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("real", "change"),
    [
        # Early December: the autumn change (late October) is nearer than the spring one.
        (REAL, datetime(2026, 10, 25, 1, 0, tzinfo=UTC)),
        # February: the spring change (last Sunday of March) is nearer.
        (datetime(2027, 2, 20, 12, 0, tzinfo=UTC), datetime(2027, 3, 28, 1, 0, tzinfo=UTC)),
    ],
)
def test_dst_change_is_two_minutes_before_the_nearest_change_in_london(
    real: datetime, change: datetime
) -> None:
    moment = parse_clock("dst-change", now=real)
    assert moment == change - timedelta(minutes=2)
    assert moment.astimezone(LONDON).utcoffset() != change.astimezone(LONDON).utcoffset()


def test_it_takes_an_offset_or_a_zone_in_brackets() -> None:
    assert parse_clock("2026-12-02T23:58:00+01:00") == datetime(2026, 12, 2, 22, 58, tzinfo=UTC)
    assert parse_clock("2026-07-01T00:05[Europe/London]") == datetime(
        2026, 6, 30, 23, 5, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-12-02T23:58", "no offset or zone"),
        ("2026-12-02T23:58[Mars/Olympus]", "unknown time zone"),
        ("tonight", "not a moment"),
    ],
)
def test_it_refuses_what_names_no_single_moment(value: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_clock(value)


@pytest.fixture(autouse=True)
def _no_clock_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEWORK_TEST_CLOCK", raising=False)


def test_a_session_runs_at_the_moment_asked_and_says_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from datetime import UTC, datetime

        import time_machine

        def test_the_clock_was_moved():
            now = datetime.now(UTC)
            assert (now.year, now.month, now.day, now.hour) == (2031, 1, 5, 23)

        def test_a_test_that_travels_still_does():
            with time_machine.travel(datetime(2030, 6, 1, tzinfo=UTC), tick=False):
                assert datetime.now(UTC).year == 2030
            assert datetime.now(UTC).year == 2031
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "casework.testing.clock", "--clock=2031-01-05T23:59:00+00:00"
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["Clock: moved by --clock=2031-01-05T23:59:00+00:00 to *"])
    # Said at the top and again under the results.
    assert result.stdout.str().count("not the real time") == 2


def test_a_bad_clock_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "casework.testing.clock", "--clock=tonight")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--clock: 'tonight' is not a moment*"])


def test_the_real_clock_goes_unmentioned(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "casework.testing.clock")
    result.assert_outcomes(passed=1)
    assert "Clock:" not in result.stdout.str()
