"""AutoProvTaskControlRequest and GetAvailableCsvFormatsRequest (reference 1.10, 4.7, 4.9).

TODO: AutoProvAccountRequest and SearchAutoProvDirectoryRequest (MANUAL auto-provisioning)
are not emulated and answer service.UNKNOWN_DOCUMENT; tests of MANUAL mode cannot run yet.
TODO: the EAGER thread is only a state (started/running/idle); it never polls a directory
or creates accounts, so EAGER provisioning has to be checked against real Carbonio.
TODO: the user-side AuthRequest (urn:zimbraAccount), and with it LAZY provisioning, is not
emulated on /service/soap.
"""

from __future__ import annotations

from lab.emulator import faults
from lab.emulator.csvformats import loaded_format_names
from lab.emulator.element import Element
from lab.emulator.handlers.base import (
    ACCOUNT_NS,
    ADMIN_NS,
    Access,
    Context,
    handler,
    require_global_admin,
    required,
)


@handler("AutoProvTaskControlRequest")
def auto_prov_task_control(ctx: Context, request: Element) -> Element:
    """Start, stop or query the EAGER thread (system admins only)."""
    require_global_admin(ctx)
    action = required(request, "action")
    running = ctx.store.autoprov_running
    if action == "start":
        status = "running" if running else "started"
        ctx.store.autoprov_running = True
    elif action == "status":
        status = "running" if running else "idle"
    elif action == "stop":
        status = "stopped" if running else "idle"
        ctx.store.autoprov_running = False
    else:
        raise faults.invalid_request(f"unknown action: {action}")

    response = Element("AutoProvTaskControlResponse", ns=ADMIN_NS)
    response.attrs["status"] = status
    return response


@handler("GetAvailableCsvFormatsRequest", ns=ACCOUNT_NS, access=Access.ANY_TOKEN)
def get_available_csv_formats(ctx: Context, _request: Element) -> Element:
    """The contact CSV formats the server loaded (only `csv` when the mapping file broke)."""
    response = Element("GetAvailableCsvFormatsResponse", ns=ACCOUNT_NS)
    for name in loaded_format_names(ctx.store.csv_formats_broken):
        response.add("csv", name=name)
    return response
