"""The `carbonio prov -f` interpreter: loop, errors, exit statuses and commands (reference 2)."""

from __future__ import annotations

from pathlib import Path

from lab.emulator import CarbonioEmulator, run_prov_file
from tests.emulator.conftest import DOMAIN

UNKNOWN = "Unknown command. Type: 'help commands' for a list\n"


def test_a_prompt_before_every_read_including_end_of_file(emu: CarbonioEmulator) -> None:
    result = run_prov_file(emu, "cd one.org\n\ncd two.org\n")

    assert result.stdout.count("prov> ") == 4
    assert result.stdout.startswith("prov> ")
    assert result.stdout.endswith("prov> ")
    assert result.exit_status == 0


def test_comments_are_unknown_commands_not_errors(emu: CarbonioEmulator) -> None:
    result = run_prov_file(emu, "# set up the domain\ncd one.org\nexit\n")

    assert UNKNOWN in result.stdout
    assert result.stderr == ""
    assert result.exit_status == 0
    assert emu.store.domain_by_name("one.org") is not None


def test_a_bom_breaks_the_first_command(emu: CarbonioEmulator) -> None:
    result = run_prov_file(emu, "\ufeffcd one.org\ncd two.org\n".encode())

    assert result.stdout.count(UNKNOWN) == 1
    assert emu.store.domain_by_name("one.org") is None
    assert emu.store.domain_by_name("two.org") is not None


def test_errors_go_to_stderr_and_the_run_continues(emu: CarbonioEmulator) -> None:
    result = run_prov_file(emu, f"cd {DOMAIN}\ncd new.org\n")

    assert result.stderr == f"ERROR: account.DOMAIN_EXISTS (domain already exists: {DOMAIN})\n"
    assert emu.store.domain_by_name("new.org") is not None
    assert result.exit_status == 0


def test_exit_status_two_after_exit_when_an_error_happened(emu: CarbonioEmulator) -> None:
    failed = run_prov_file(emu, f"cd {DOMAIN}\nexit\ncd never.org\n")
    clean = run_prov_file(emu, "cd fine.org\nquit\n")

    assert failed.exit_status == 2
    assert emu.store.domain_by_name("never.org") is None
    assert clean.exit_status == 0


def test_leading_prov_is_dropped_and_names_ignore_case(emu: CarbonioEmulator) -> None:
    result = run_prov_file(emu, "prov CreateDomain one.org\nPROV CD two.org\nprov\n")

    assert result.stderr == ""
    assert {"one.org", "two.org"} <= {d.name for d in emu.store.domains.values()}


def test_line_continuation(emu: CarbonioEmulator) -> None:
    result = run_prov_file(
        emu, f'md {DOMAIN} description \\\n"Main domain"\ngd {DOMAIN} description\n'
    )

    assert "description: Main domain\n" in result.stdout


def test_create_commands_print_ids(emu: CarbonioEmulator) -> None:
    result = run_prov_file(
        emu, f"ca jdoe@{DOMAIN} '' displayName 'John Doe'\ncdl staff@{DOMAIN}\n"
    )

    account = emu.account(f"jdoe@{DOMAIN}")
    assert account is not None and account.password is None
    assert f"prov> {account.id}\n" in result.stdout
    assert emu.calls["CreateAccountRequest"] == 1
    assert emu.calls["CreateDistributionListRequest"] == 1


def test_get_domain_prints_sorted_attributes(emu: CarbonioEmulator) -> None:
    text = (
        f"md {DOMAIN} zimbraAutoProvMode EAGER zimbraAutoProvMode LAZY\n"
        f"gd {DOMAIN} zimbraAutoProvMode zimbraDomainName\n"
    )

    result = run_prov_file(emu, text)

    expected = (
        f"# name {DOMAIN}\n"
        "zimbraAutoProvMode: EAGER\n"
        "zimbraAutoProvMode: LAZY\n"
        f"zimbraDomainName: {DOMAIN}\n\n"
    )
    assert expected in result.stdout


def test_get_domain_e_leaves_out_inherited_values(emu: CarbonioEmulator) -> None:
    result = run_prov_file(
        emu, f"gd {DOMAIN} zimbraAutoProvBatchSize\ngd -e {DOMAIN} zimbraAutoProvBatchSize\n"
    )

    assert result.stdout.count("zimbraAutoProvBatchSize: 20") == 1


def test_lists_members_and_get_distribution_list(emu: CarbonioEmulator) -> None:
    text = (
        f"cdl staff@{DOMAIN} displayName Staff\n"
        f"adlm staff@{DOMAIN} Zed@Partner.org amy@{DOMAIN}\n"
        f"adlm staff@{DOMAIN} amy@{DOMAIN}\n"
        f"gdl staff@{DOMAIN}\n"
    )

    result = run_prov_file(emu, text)

    assert result.stderr == ""
    assert f"# distributionList staff@{DOMAIN} memberCount=2\n" in result.stdout
    assert f"\nmembers\namy@{DOMAIN}\nzed@partner.org\n" in result.stdout
    assert f"zimbraMailForwardingAddress: amy@{DOMAIN}\n" in result.stdout


def test_adlm_on_a_missing_list(emu: CarbonioEmulator) -> None:
    result = run_prov_file(emu, f"adlm email_1@{DOMAIN} x@y.org\n")

    assert result.stderr == (
        f"ERROR: account.NO_SUCH_DISTRIBUTION_LIST (no such distribution list: email_1@{DOMAIN})\n"
    )


def test_account_exists_error_text(emu: CarbonioEmulator) -> None:
    emu.add_account(f"jdoe@{DOMAIN}")

    result = run_prov_file(emu, f"ca jdoe@{DOMAIN} ''\n")

    assert result.stderr == (
        f"ERROR: account.ACCOUNT_EXISTS (email address already exists: jdoe@{DOMAIN}, "
        "at DN: uid=jdoe,ou=people,dc=example,dc=com)\n"
    )


def test_add_account_alias(emu: CarbonioEmulator) -> None:
    emu.add_account(f"jdoe@{DOMAIN}")

    result = run_prov_file(emu, f"aaa jdoe@{DOMAIN} John@{DOMAIN}\n")

    assert result.stderr == ""
    assert emu.aliases() == [f"john@{DOMAIN}"]


def test_search_accounts(emu: CarbonioEmulator) -> None:
    emu.add_account(f"jdoe@{DOMAIN}", displayName="John")
    emu.add_account(f"ann@{DOMAIN}", displayName="Ann")

    result = run_prov_file(emu, "sa (displayName=*)\nsa -v (displayName=Ann)\n")

    assert f"prov> ann@{DOMAIN}\njdoe@{DOMAIN}\n" in result.stdout
    assert f"# name ann@{DOMAIN}\n" in result.stdout
    assert "displayName: Ann\n" in result.stdout


def test_argument_count_errors_print_usage_and_are_not_failures(emu: CarbonioEmulator) -> None:
    result = run_prov_file(emu, "ca onlyone\nexit\n")

    assert result.stderr == (
        "createAccount is expecting at least 2 arguments but 1 argument has been provided\n"
    )
    assert (
        "usage:  createAccount(ca) {name@domain} {password} [attr1 value1 [attr2 value2...]]\n\n"
        in result.stdout
    )
    assert result.exit_status == 0


def test_an_odd_attribute_list_prints_usage(emu: CarbonioEmulator) -> None:
    result = run_prov_file(emu, f"md {DOMAIN} description x zimbraAutoProvMode\n")

    assert "usage:  modifyDomain(md)" in result.stdout
    assert emu.calls["ModifyDomainRequest"] == 0


def test_modify_server_runs_the_scheduled_domains_check(emu: CarbonioEmulator) -> None:
    result = run_prov_file(emu, f"ms mail.example.io +zimbraAutoProvScheduledDomains {DOMAIN}\n")

    assert result.stderr == (
        "ERROR: service.INVALID_REQUEST (invalid request: EAGER auto provision is not enabled "
        f"on domain {DOMAIN})\n"
    )


def test_replacing_a_safeguarded_attribute_aborts(emu: CarbonioEmulator) -> None:
    result = run_prov_file(emu, "ms mail.example.io zimbraServiceEnabled mailbox\ncd later.org\n")

    assert result.exit_status == 2
    assert "cannot replace multi-valued attr value unless -r is specified" in result.stderr
    assert emu.store.domain_by_name("later.org") is None


def test_auto_prov_control_prints_nothing(emu: CarbonioEmulator) -> None:
    result = run_prov_file(emu, "apc start\napc status\n")

    assert result.stdout == "prov> prov> prov> "
    assert emu.store.autoprov_running


def test_get_all_accounts_needs_ldap_mode(emu: CarbonioEmulator) -> None:
    result = run_prov_file(emu, f"gaa {DOMAIN}\n")

    assert 'getAllAccounts can only be used with  "zmprov -l/--ldap"\n' in result.stdout


def test_select_mailbox_post_rest_url(emu: CarbonioEmulator, tmp_path: Path) -> None:
    emu.add_account(f"jdoe@{DOMAIN}")
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "jdoe.csv").write_text("firstName,email\nAnn,a@x.org\n")
    text = f'sm "jdoe@{DOMAIN}" postRestURL "/Contacts?fmt=csv&csvfmt=csv" "backup/jdoe.csv"\n'

    result = run_prov_file(emu, text, cwd=tmp_path)

    assert result.stderr == ""
    assert emu.contacts(f"jdoe@{DOMAIN}") == [{"firstName": "Ann", "email": "a@x.org"}]
    assert emu.calls["GetAccountInfoRequest"] == emu.calls["DelegateAuthRequest"] == 1
    assert emu.rest_imports[(f"jdoe@{DOMAIN}", "csv")] == 1


def test_post_rest_url_failures(emu: CarbonioEmulator, tmp_path: Path) -> None:
    emu.add_account(f"jdoe@{DOMAIN}")
    (tmp_path / "bad.csv").write_text('firstName\n"never closed\n')
    text = (
        f"sm jdoe@{DOMAIN} pru /Contacts?fmt=csv missing.csv\n"
        f"sm jdoe@{DOMAIN} pru /Contacts?fmt=csv bad.csv\n"
        "exit\n"
    )

    result = run_prov_file(emu, text, cwd=tmp_path)

    assert result.stderr.splitlines() == [
        "ERROR: zclient.CLIENT_ERROR (file not found: missing.csv) (cause: "
        "java.io.FileNotFoundException missing.csv (No such file or directory))",
        "ERROR: service.FAILURE (system failure: POST failed, status=400 400)",
    ]
    assert result.exit_status == 2


def test_sa_is_search_accounts_not_select_mailbox(emu: CarbonioEmulator, tmp_path: Path) -> None:
    emu.add_account(f"jdoe@{DOMAIN}")
    (tmp_path / "c.ics").write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")

    result = run_prov_file(
        emu, f"prov sa jdoe@{DOMAIN} postRestURL /Calendar?fmt=ics c.ics\n", cwd=tmp_path
    )

    assert "usage:  searchAccounts(sa)" in result.stdout
    assert emu.rest_imports == {}


def test_select_mailbox_alone_reads_lines_until_exit(
    emu: CarbonioEmulator, tmp_path: Path
) -> None:
    emu.add_account(f"jdoe@{DOMAIN}")
    (tmp_path / "c.csv").write_text("firstName\nAnn\n")
    text = f"sm jdoe@{DOMAIN}\npru /Contacts?fmt=csv c.csv\nbogus\nexit\ncd after.org\nexit\n"

    result = run_prov_file(emu, text, cwd=tmp_path)

    assert result.stdout.count(f"mbox jdoe@{DOMAIN}> ") == 3
    assert "Unknown command: (bogus)" in result.stderr
    assert len(emu.contacts(f"jdoe@{DOMAIN}")) == 1
    assert emu.store.domain_by_name("after.org") is not None
    assert result.exit_status == 0


def test_create_folder_then_import_into_it(emu: CarbonioEmulator, tmp_path: Path) -> None:
    emu.add_account(f"jdoe@{DOMAIN}")
    (tmp_path / "c.csv").write_text("firstName\nAnn\n")
    text = (
        f"sm jdoe@{DOMAIN} cf -V contact /Contacts/Imported\n"
        f"sm jdoe@{DOMAIN} pru /Contacts/Imported?fmt=csv c.csv\n"
    )

    result = run_prov_file(emu, text, cwd=tmp_path)

    assert result.stderr == ""
    assert emu.contacts(f"jdoe@{DOMAIN}", "Contacts/Imported") == [{"firstName": "Ann"}]
