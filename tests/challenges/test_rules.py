"""The arithmetic and input rules of challenges, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.challenges import rules

D = Decimal


class TestSplit:
    def test_equal_parts_when_the_tranche_divides(self):
        assert rules.split_equally(D("300000.00"), [7, 3, 5]) == {
            3: D("100000.00"),
            5: D("100000.00"),
            7: D("100000.00"),
        }

    def test_leftover_fen_go_to_the_lowest_bid_id(self):
        parts = rules.split_equally(D("100.00"), [12, 4, 9])
        assert parts == {4: D("33.34"), 9: D("33.33"), 12: D("33.33")}
        assert sum(parts.values()) == D("100.00")

    def test_several_leftover_fen(self):
        parts = rules.split_equally(D("0.05"), [1, 2, 3])
        assert parts == {1: D("0.03"), 2: D("0.01"), 3: D("0.01")}

    @pytest.mark.parametrize("total", ["0.01", "1.00", "999999.99", "1234567.89", "10.07"])
    @pytest.mark.parametrize("teams", [1, 2, 3, 4, 5])
    def test_parts_always_sum_exactly_and_differ_by_less_than_the_team_count_in_fen(self, total, teams):
        parts = rules.split_equally(D(total), range(10, 10 + teams))
        assert sum(parts.values()) == D(total)
        assert all(p == p.quantize(D("0.01")) for p in parts.values())
        assert max(parts.values()) - min(parts.values()) < D("0.01") * teams

    def test_no_team_no_parts(self):
        assert rules.split_equally(D("100.00"), []) == {}


class TestTrancheTotal:
    def test_share_of_the_reward(self):
        assert rules.tranche_total(reward=D("1000000.00"), share_pct=D("30")) == D("300000.00")

    def test_rounds_down_to_the_fen(self):
        # 100000.01 × 33.33 % = 33330.0033…
        assert rules.tranche_total(reward=D("100000.01"), share_pct=D("33.33")) == D("33330.00")
        assert rules.tranche_total(reward=D("0.99"), share_pct=D("50")) == D("0.49")


class TestIndicators:
    def test_valid_indicators_are_cleaned(self):
        cleaned, problems = rules.check_indicators(
            [{"name": " 能量密度 ", "target": D("300"), "unit": "Wh/kg", "comparison": "≥"}]
        )
        assert problems == {}
        assert cleaned == [{"name": "能量密度", "target": 300, "unit": "Wh/kg", "comparison": "≥"}]
        assert isinstance(cleaned[0]["target"], int)

    @pytest.mark.parametrize(
        ("value", "field"),
        [
            ([], "indicators"),
            (None, "indicators"),
            ([{"name": "", "target": 1, "unit": "", "comparison": "="}], "indicators.0.name"),
            ([{"name": "x", "target": "多", "unit": "", "comparison": "="}], "indicators.0.target"),
            ([{"name": "x", "target": True, "unit": "", "comparison": "="}], "indicators.0.target"),
            ([{"name": "x", "target": float("nan"), "unit": "", "comparison": "="}], "indicators.0.target"),
            ([{"name": "x", "target": 1, "unit": "", "comparison": ">"}], "indicators.0.comparison"),
            ([{"name": "x", "target": 1, "unit": "", "comparison": "=", "weight": 2}], "indicators.0"),
            (["能量密度 ≥ 300"], "indicators.0"),
        ],
    )
    def test_bad_indicators_name_the_field(self, value, field):
        _cleaned, problems = rules.check_indicators(value)
        assert field in problems


class TestFunding:
    def test_split_must_sum_to_the_reward(self):
        assert rules.check_funding(reward=D("100"), enterprise_funding=D("60"), government_funding=D("40")) == {}
        assert "government_funding" in rules.check_funding(
            reward=D("100"), enterprise_funding=D("60"), government_funding=D("30")
        )

    def test_reward_positive_and_shares_not_negative(self):
        assert "reward" in rules.check_funding(reward=D("0"), enterprise_funding=D("0"), government_funding=D("0"))
        assert "enterprise_funding" in rules.check_funding(
            reward=D("100"), enterprise_funding=D("-1"), government_funding=D("101")
        )


class TestBudgetLines:
    def test_sum_at_most_the_reward(self):
        lines, total, problems = rules.check_budget_lines(
            [{"item": "设备", "amount": D("600")}, {"item": "人员", "amount": "400.5"}], reward=D("1000.50")
        )
        assert problems == {}
        assert total == D("1000.50")
        assert lines == [{"item": "设备", "amount": "600.00"}, {"item": "人员", "amount": "400.50"}]

    @pytest.mark.parametrize(
        ("value", "field"),
        [
            ([], "budget_lines"),
            ([{"item": "设备", "amount": D("1000.01")}], "budget_lines"),
            ([{"item": "设备", "amount": D("0")}], "budget_lines.0.amount"),
            ([{"item": "设备", "amount": D("1.001")}], "budget_lines.0.amount"),
            ([{"item": "", "amount": D("1")}], "budget_lines.0.item"),
            ([{"item": "设备"}], "budget_lines.0"),
        ],
    )
    def test_bad_budgets(self, value, field):
        _lines, _total, problems = rules.check_budget_lines(value, reward=D("1000"))
        assert field in problems


class TestCounts:
    @pytest.mark.parametrize(("mode", "teams", "ok"), [("single", 1, True), ("race", 2, True), ("race", 5, True)])
    def test_valid_team_counts(self, mode, teams, ok):
        assert (rules.check_race_team_count(mode=mode, race_team_count=teams) == {}) is ok

    @pytest.mark.parametrize(("mode", "teams"), [("single", 2), ("race", 1), ("race", 6), ("race", 0)])
    def test_invalid_team_counts(self, mode, teams):
        assert "race_team_count" in rules.check_race_team_count(mode=mode, race_team_count=teams)

    @pytest.mark.parametrize(
        ("mode", "limit", "count", "ok"),
        [
            ("single", 1, 1, True),
            ("single", 1, 0, False),
            ("single", 1, 2, False),
            ("race", 3, 1, False),
            ("race", 3, 2, True),
            ("race", 3, 3, True),
            ("race", 3, 4, False),
        ],
    )
    def test_award_counts(self, mode, limit, count, ok):
        assert (rules.award_count_problem(mode=mode, race_team_count=limit, count=count) is None) is ok
