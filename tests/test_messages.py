"""Plain-words errors with a "did you mean" for what planners mistype (issue 24).

Each case is one line naming the file, the field and the value, with the fix where one is
plain: a name written as words ("Chi Ma", "VN"), a misspelled port, a date that does not exist,
a clock time without its leading zero, a time zone by a city's name.
"""

from __future__ import annotations

import pytest

from sim.scenario.files import ScenarioError, load_scenario, parse_scenario

HEAD = 'extends = "baseline"\nname = "x"\n'
STAGE = "crossings.chi_ma.routes.export.stages[0]"

CASES = {
    "a crossing named in words": (
        '[crossings."Chi Ma"]\nenabled = false\n',
        "x.toml: crossings.Chi Ma = 'Chi Ma': expected a name of lowercase letters, digits and '_', "
        "starting with a letter; did you mean 'chi_ma'?",
    ),
    "a calendar in capitals": (
        f'[set]\n"{STAGE}.hours" = "VN"\n',
        f"x.toml: [set] {STAGE}.hours: {STAGE}.hours = 'VN': expected a name of lowercase letters, "
        "digits and '_', starting with a letter; did you mean 'vn'?",
    ),
    "a side in lower case": (
        f'[set]\n"{STAGE}.side" = "vn"\n',
        f"x.toml: [set] {STAGE}.side: {STAGE}.side = 'vn': expected 'VN' or 'CN'; did you mean 'VN'?",
    ),
    "a misspelled port, as a new table": (
        '[facilities.aidain]\ndescription = "typo"\n',
        "x.toml: facilities.aidain.name = (missing): a value is required (a new facilities entry 'aidain' "
        "needs all its fields; did you mean 'aidian'?)",
    ),
    "a misspelled port, as a reference": (
        '[crossings.chi_ma.routes.export]\nfacility = "aidain"\n',
        "x.toml: crossings.chi_ma.routes.export.facility = 'aidain': expected one of the facilities in "
        "[facilities]: aidian, nonghuai, pingxiang_rail, puzhai, youyiguan; did you mean 'aidian'?",
    ),
    "a day that does not exist": (
        "start_date = 2023-05-32\n",
        "x.toml: line 3: start_date = 2023-05-32: not a calendar date (day is out of range for month); "
        "expected YYYY-MM-DD",
    ),
    "a day that does not exist, in an inline table": (
        "[hours.vn]\nclosures = [{ start = 2023-02-30, end = 2023-03-01 }]\n",
        "x.toml: line 4: start = 2023-02-30: not a calendar date (day is out of range for month); "
        "expected YYYY-MM-DD",
    ),
    "a clock time without its leading zero": (
        '[hours.vn]\nwindows = [{ days = "daily", open = "8:00", close = "23:00" }]\n',
        "x.toml: hours.vn.windows[0].open = '8:00': expected a local time 'HH:MM' between 00:00 and "
        "24:00; did you mean '08:00'?",
    ),
    "a time zone by a city": (
        '[hours.cn]\ntimezone = "Asia/Beijing"\n',
        "x.toml: hours.cn.timezone = 'Asia/Beijing': expected an IANA time zone such as "
        "'Asia/Ho_Chi_Minh' or 'Asia/Shanghai'; did you mean 'Asia/Shanghai'?",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_mistake_is_one_line_with_its_fix(case):
    body, line = CASES[case]
    with pytest.raises(ScenarioError) as err:
        parse_scenario(HEAD + body, name="x.toml")
    assert err.value.problems[0] == line
    # One line per problem; a new table's missing fields each say the same hint.
    assert all("did you mean 'aidian'" in x for x in err.value.problems[1:])


def test_a_problem_a_child_causes_names_the_child_and_no_absolute_path(tmp_path, monkeypatch):
    """Disabling Chi Ma leaves the baseline's routing shares pointing at it: the line names the
    file that caused it (the child, issue 22), never the packaged parent by an absolute path; a
    parent that is itself wrong is named relative to the working folder."""
    from sim.scenario.files import packaged_dir

    monkeypatch.chdir(tmp_path)
    (tmp_path / "off.toml").write_text(HEAD + "[crossings.chi_ma]\nenabled = false\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        parse_scenario((tmp_path / "off.toml").read_text(encoding="utf-8"), name="off.toml")
    assert err.value.problems[0].startswith(
        "off.toml: demand.streams.export_perishable.routing.shares.chi_ma = 'chi_ma': "
        "expected an enabled crossing"
    )
    assert not any(str(packaged_dir()) in line or "/" == line[0] for line in err.value.problems)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "parent.toml").write_text(HEAD + "horizon_days = 0\n", encoding="utf-8")
    child = 'extends = "parent.toml"\nname = "child"\n'
    (tmp_path / "sub" / "child.toml").write_text(child, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario("sub/child.toml")
    assert err.value.problems[0].startswith(
        "sub/child.toml: extends = 'parent.toml': the parent is not a valid"
    )
    assert err.value.problems[1].startswith("sub/parent.toml: horizon_days = 0")
    assert not any(str(tmp_path) in line for line in err.value.problems)
