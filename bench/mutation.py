"""Plant deliberate bugs one at a time and check that the tests catch each (run on demand).

    .venv/bin/python bench/mutation.py            # every mutant
    .venv/bin/python bench/mutation.py own-approval cap   # some of them

Each mutant patches source text in a temporary copy of the work tree (the real tree is
never touched) and runs the tests that should catch it on SQLite, twice: first on the copy
as it is, then with the bug planted. It is "caught" only when the tests pass on the
unchanged copy and fail with the bug; when they already fail on the unchanged copy the run
stops without a report (a failure there says nothing about the bug). A mutant whose text
no longer matches the source is reported as "stale" so the list is kept up to date. Not
part of CI: it takes several minutes. The report starts with the date and the commit it
ran on; results go in tests/README.md.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = [
    Mutant(
        "transition",
        "a declined request may be approved after all",
        "grants/models.py",
        "        Status.DECLINED: set(),",
        "        Status.DECLINED: {Status.APPROVED},",
        ("tests/grants/test_workflow.py", "-k", "exactly_the_literal or final_state"),
    ),
    Mutant(
        "own-approval",
        "the requester approves their own request",
        "grants/services/decisions.py",
        "        if locked.requester_id == actor.pk:",
        "        if False:",
        ("tests/grants/test_workflow.py", "tests/grants/test_rules.py"),
    ),
    Mutant(
        "cap",
        "the per-grant cap is not applied",
        "grants/services/requests.py",
        "    if amount > rules.per_grant_cap:",
        "    if False:",
        ("tests/grants/test_rules.py",),
    ),
    Mutant(
        "unbalanced",
        "a posting adds twice its amount to the credit side's balance",
        "fund/services/writes.py",
        "        totals[1] += credit\n",
        "        totals[1] += 2 * credit\n",
        (
            "tests/fund/test_posting_rules.py::test_cached_balances_match_transfers",
            "tests/fund/test_posting_rules.py::test_each_side_of_a_posting_moves_its_own_balance_by_the_amount",
        ),
    ),
    Mutant(
        "second-approver",
        "no grant ever needs a second approver",
        "grants/services/decisions.py",
        "    return 2 if grant.amount > rules.two_approver_threshold else 1",
        "    return 1",
        ("tests/grants/test_workflow.py", "tests/grants/test_rules.py"),
    ),
    Mutant(
        "refund-twice",
        "a refund is posted again on a repeated event",
        "donations/services/refunds.py",
        'idempotency_key=f"stripe:refund:{payment.charge_id}:{cumulative_pence}",',
        "idempotency_key=None,",
        (
            "tests/donations/test_refund_posted_once.py",
            "tests/donations/test_webhook_events.py",
            "-k",
            "refund",
        ),  # fmt: skip
    ),
    Mutant(
        "other-agency",
        "a key worker sees another agency's requests (404 becomes 200)",
        "grants/selectors.py",
        "    return grants.filter(agency=agency)",
        "    return grants",
        (
            "tests/grants/test_views.py::test_a_key_worker_from_another_agency_gets_404_on_everything",
        ),
    ),
    Mutant(
        "same-account-leg",
        "a leg may debit and credit the same account",
        "fund/services/posting.py",
        "        if leg.debit == leg.credit:",
        "        if False:",
        ("tests/fund",),
    ),
]


def copy_tree(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for link in (".venv", "node_modules"):
        (dest / link).symlink_to((ROOT / link).resolve())
    css = ROOT / "static" / "css" / "app.css"
    if css.exists():
        (dest / "static" / "css").mkdir(parents=True, exist_ok=True)
        shutil.copy2(css, dest / "static" / "css" / "app.css")


class CleanTreeFails(Exception):
    """The chosen tests fail before any bug is planted: the check cannot say anything."""


def pytest_in(tree: Path, tests: tuple[str, ...]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        PYTHONPATH=str(tree),
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECRET_KEY="mutation-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    )
    return subprocess.run(
        [str(tree / ".venv/bin/python"), "-m", "pytest", "-p", "no:cacheprovider", "-x",
         "-q", "-m", "not browser", *tests],
        cwd=tree, env=env, capture_output=True, text=True,
    )  # fmt: skip


def run(mutant: Mutant, snapshot: Path) -> str:
    with tempfile.TemporaryDirectory(prefix=f"clf-mutant-{mutant.name}.") as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(snapshot, tree, symlinks=True)
        source = tree / mutant.path
        text = source.read_text()
        if text.count(mutant.old) != 1:
            return "stale"
        clean = pytest_in(tree, mutant.tests)
        if clean.returncode != 0:
            raise CleanTreeFails(
                f"{mutant.name}: the tests fail on the unchanged tree (pytest exit "
                f"{clean.returncode}), so a failure with the bug would prove nothing:\n"
                f"{clean.stdout[-1500:]}"
            )
        source.write_text(text.replace(mutant.old, mutant.new))
        done = pytest_in(tree, mutant.tests)
        if done.returncode == 1:
            failed = [ln for ln in done.stdout.splitlines() if ln.startswith("FAILED")]
            return "caught" + (f" by {failed[0].split()[1]}" if failed else "")
        if done.returncode == 0:
            return "SURVIVED"
        return f"error (pytest exit {done.returncode}): {done.stdout[-500:]}"


def revision() -> str:
    """The commit the run is on, marked when the work tree has uncommitted changes."""
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run(
        [*git, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=no"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return commit + (" (with uncommitted changes)" if dirty else "")


def main(names: list[str]) -> int:
    chosen = [m for m in MUTANTS if not names or m.name in names]
    unknown = set(names) - {m.name for m in MUTANTS}
    if unknown:
        print(f"No such mutant: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    when = datetime.now(UTC).strftime("%d %b %Y %H:%M UTC")
    print(f"Mutation check on {when}, commit {revision()}, SQLite", flush=True)
    survived = 0
    # One copy of the tree as it is now: edits made while the check runs do not reach it.
    with tempfile.TemporaryDirectory(prefix="clf-mutation-snapshot.") as tmp:
        snapshot = Path(tmp)
        copy_tree(snapshot)
        for mutant in chosen:
            started = time.monotonic()
            try:
                result = run(mutant, snapshot)
            except CleanTreeFails as failure:
                print(f"REFUSED: {failure}", file=sys.stderr)
                return 2
            survived += not result.startswith("caught")
            print(f"{mutant.name:<17} {result}  ({time.monotonic() - started:.0f} s) — "
                  f"{mutant.what}", flush=True)  # fmt: skip
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
