"""Planning phase 1 and writing its prov file for 10,000 accounts and 1,000 lists.

Run: .venv/bin/python -m bench.provision.prov_file
"""

from __future__ import annotations

import random
import tempfile
import time
import tomllib
from pathlib import Path

from carbonio_migrate.carbonio.admin import Entry
from carbonio_migrate.config import parse_settings
from carbonio_migrate.config_template import render_template
from carbonio_migrate.directory.reader import DirectorySnapshot, Group, Person
from carbonio_migrate.provision.destination import DestinationState
from carbonio_migrate.provision.dl_csv import ListRow
from carbonio_migrate.provision.planner import Planner
from carbonio_migrate.run.provision import write_plan

ACCOUNTS = 10_000
LISTS = 1_000
DOMAIN = "example.com"
TARGET_SECONDS = 10.0


def organisation(rng: random.Random) -> tuple[DirectorySnapshot, list[ListRow]]:
    """People with a few attributes and an alias each; lists of 5 to 200 members."""
    people = [
        Person(
            dn=f"uid=user{i},ou=people,dc=example,dc=com",
            address=f"user{i}@{DOMAIN}",
            source_address=f"user{i}@{DOMAIN}",
            aliases=(f"u{i}.alias@{DOMAIN}",),
            attributes={
                "givenName": f"Given {i}",
                "sn": f'Surname "{i}" d\'Été',
                "displayName": f"Given {i} Surname",
                "title": "Engineer, R&D",
            },
        )
        for i in range(ACCOUNTS)
    ]
    half = LISTS // 2
    groups = [
        Group(
            dn=f"cn=group{g},ou=groups,dc=example,dc=com",
            name=f"group{g}",
            address=f"group{g}@{DOMAIN}",
            description=f"Group {g}, with a comma",
            display_name=f"Group {g}",
            member_dns=tuple(p.dn for p in rng.sample(people, rng.randint(5, 200))),
        )
        for g in range(half)
    ]
    rows = [
        ListRow(
            line=r + 1,
            address=f"list{r}@{DOMAIN}",
            description="A list from the file",
            name=f"List {r}",
            members=tuple(p.address for p in rng.sample(people, rng.randint(5, 200))),
        )
        for r in range(LISTS - half)
    ]
    return DirectorySnapshot(people=people, groups=groups), rows


def main() -> None:
    """Time the plan and the file, print the figures against the target."""
    rng = random.Random(7)
    snapshot, rows = organisation(rng)
    with tempfile.TemporaryDirectory() as folder:
        raw = tomllib.loads(render_template("openldap"))
        settings = parse_settings(raw, origin=Path(folder) / "migration.toml")
        state = DestinationState(domains={DOMAIN: Entry(DOMAIN, "domain-id")})

        started = time.perf_counter()
        planner = Planner(settings, snapshot, state)
        planner.plan_accounts()
        planner.plan_lists(planner.desired_lists(rows, "dl_provisioning.csv"))
        planned = time.perf_counter()
        output = Path(folder) / "provision.cmd"
        write_plan(planner.plan, output, settings)
        written = time.perf_counter()

        size = output.stat().st_size
        lines = output.read_text(encoding="utf-8").count("\n")

    total = written - started
    print(f"accounts: {ACCOUNTS}, lists: {LISTS}, actions: {len(planner.plan.actions)}")
    print(f"plan:  {planned - started:6.2f} s")
    print(f"write: {written - planned:6.2f} s  ({lines} lines, {size / 1e6:.1f} MB)")
    print(
        f"total: {total:6.2f} s  (target: under {TARGET_SECONDS:.0f} s) "
        f"{'OK' if total < TARGET_SECONDS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
