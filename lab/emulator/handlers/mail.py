"""CreateFolderRequest (urn:zimbraMail): make import target folders such as Contacts/Imported.

The mailbox is the token's account, or with an admin token the account named in the header
context (`<account by="name">`), as the server allows for urn:zimbraMail calls.
"""

from __future__ import annotations

from lab.emulator import faults
from lab.emulator.element import Element
from lab.emulator.entries import Account
from lab.emulator.faults import SoapFault
from lab.emulator.handlers.base import Access, Context, handler, required_child
from lab.emulator.mailbox import ROOT_ID

MAIL_NS = "urn:zimbraMail"
_VIEWS = ("message", "contact", "appointment", "task", "document", "wiki", "search")


@handler("CreateFolderRequest", ns=MAIL_NS, access=Access.ANY_TOKEN)
def create_folder(ctx: Context, request: Element) -> Element:
    """Create a folder under `l` (a parent id; default the root), or at an absolute path."""
    spec = required_child(request, "folder")
    name = spec.get("name") or ""
    view = spec.get("view") or "message"
    if view not in _VIEWS:
        raise faults.invalid_request(f"invalid view: {view}")
    box = ctx.store.mailbox(_mailbox_owner(ctx).id)

    parent_ref = spec.get("l") or str(ROOT_ID)
    if name.startswith("/"):
        parent_path, _, name = name.rstrip("/").rpartition("/")
        parent = box.resolve(parent_path)
    else:
        parent = box.folders.get(int(parent_ref)) if parent_ref.isdigit() else None
    if parent is None:
        raise SoapFault("mail.NO_SUCH_FOLDER", f"no such folder id: {parent_ref}")
    if not name or any(c in name for c in ':/"\t\r\n'):
        raise SoapFault("mail.INVALID_NAME", f"invalid name: {name}")

    path = f"{box.path_of(parent.id)}/{name}".strip("/")
    if box.resolve(path) is not None:
        raise SoapFault("mail.ALREADY_EXISTS", f"object with that name already exists: {name}")
    folder = box.create_folder(path, view)

    response = Element("CreateFolderResponse", ns=MAIL_NS)
    response.add("folder", id=str(folder.id), name=folder.name, l=str(parent.id), view=view)
    return response


def _mailbox_owner(ctx: Context) -> Account:
    """Whose mailbox the call works on."""
    caller = ctx.caller
    if caller is None or caller.account is None:
        raise faults.auth_required()
    if ctx.on_behalf_of is None:
        return caller.account
    if caller.token is not None and not caller.token.admin:
        raise faults.perm_denied("can not access account " + ctx.on_behalf_of)
    store = ctx.store
    target = store.account_by_name(ctx.on_behalf_of) or store.accounts.get(ctx.on_behalf_of)
    if target is None:
        raise faults.no_such_account(ctx.on_behalf_of)
    return target
