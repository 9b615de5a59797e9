"""Every table has a decision about personal data, so erase and retention cannot forget a new one."""
from __future__ import annotations

import pytest

from bot.models import Base
from bot.privacy.tables import POLICIES, Treatment, table, text_columns


def test_every_table_of_the_models_has_a_privacy_policy():
    missing = set(Base.metadata.tables) - set(POLICIES)
    stale = set(POLICIES) - set(Base.metadata.tables)

    assert not missing, f"decide in bot/privacy/tables.py POLICIES what erase and retention do with {sorted(missing)}"
    assert not stale, f"POLICIES names tables that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("name", [name for name, policy in POLICIES.items() if policy.treatment is Treatment.ANONYMISE])
def test_every_text_column_of_an_anonymised_table_is_cleared_pseudonymised_or_known_to_be_harmless(name):
    policy = POLICIES[name]
    decided = set(policy.cleared) | set(policy.pseudonymised) | policy.kept

    undecided = text_columns(table(name)) - decided

    assert not undecided, (f"{name}: decide in bot/privacy/tables.py whether erase clears, pseudonymises or keeps "
                           f"{sorted(undecided)}")
    assert decided <= set(table(name).columns.keys()), f"{name}: POLICIES names columns it does not have"


@pytest.mark.parametrize("name", [name for name, policy in POLICIES.items() if policy.treatment is not Treatment.NONE])
def test_every_customer_table_can_be_found_by_its_owner(name):
    assert POLICIES[name].owner_column in table(name).columns


def test_text_columns_are_strings_texts_and_json():
    assert text_columns(table("tickets")) >= {"customer_email", "description", "kb_attempts"}
    assert not text_columns(table("tickets")) & {"id", "created_at", "priority_rank", "assignee_id"}
