"""A TLS-only server whose default user is off: clients log in as an ACL user over verified TLS.

The certificates come from `trustme` at start: a throwaway CA, a server certificate for the IP
127.0.0.1 signed by it, and a second CA that signed nothing (a client trusting only that one must
refuse the server). Users:

- `redbeat`: what a beat and the clients need on keys under `redbeat:` and `{redbeat}:` - reads,
  writes, scripts, MULTI/EXEC - and nothing dangerous (no FLUSHALL, no CONFIG, no KEYS);
- `admin`: everything, for the tests' own set-up and inspection.
"""

from __future__ import annotations

import secrets
import ssl
from urllib.parse import quote

from .base import Topology
from .node import HOST, Node

# The smallest grant under which the SDKs and the scheduler work (documented in README.md).
REDBEAT_ACL = (
    "~redbeat:* ~{redbeat}:* resetchannels -@all +@read +@write +@scripting +@transaction "
    "+@connection -@dangerous"
)


class TlsServer(Topology):
    kind = "tls"
    user = "redbeat"

    def __init__(self, root=None, *, detached: bool = False):
        super().__init__(root, detached=detached)
        # characters that must be percent-encoded in a URL, so every client's URL parsing is exercised
        self.password = "p@ss:w/rd-" + secrets.token_hex(4)
        self.admin_password = "admin-" + secrets.token_hex(8)

    @property
    def ca_file(self):
        return self.root / "ca.pem"

    @property
    def untrusted_ca_file(self):
        return self.root / "untrusted-ca.pem"

    def _certificates(self) -> None:
        import trustme

        ca = trustme.CA(organization_name="redbeat-sdk test CA")
        ca.cert_pem.write_to_path(str(self.ca_file))
        issued = ca.issue_cert(HOST)
        issued.private_key_pem.write_to_path(str(self.root / "server.key"))
        with open(self.root / "server.pem", "wb") as out:
            for blob in issued.cert_chain_pems:
                out.write(blob.bytes())
        trustme.CA(organization_name="somebody else's CA").cert_pem.write_to_path(str(self.untrusted_ca_file))

    def start(self) -> TlsServer:
        self._certificates()
        context = ssl.create_default_context(cafile=str(self.ca_file))
        directives = [
            f'tls-cert-file "{self.root / "server.pem"}"',
            f'tls-key-file "{self.root / "server.key"}"',
            f'tls-ca-cert-file "{self.ca_file}"',
            "tls-auth-clients no",
            "user default off",
            f"user admin on >{self.admin_password} ~* &* +@all",
            f"user {self.user} on >{self.password} {REDBEAT_ACL}",
        ]
        admin = {
            "ssl": True,
            "ssl_ca_certs": str(self.ca_file),
            "username": "admin",
            "password": self.admin_password,
        }
        self.add(
            Node("server", self.root, directives, tls=context, detached=self.detached, client_options=admin)
        )
        self.server.start()
        return self

    @property
    def server(self) -> Node:
        return self.nodes["server"]

    def url_for(self, user: str, password: str, db: int = 0) -> str:
        return f"rediss://{quote(user, safe='')}:{quote(password, safe='')}@{HOST}:{self.server.port}/{db}"

    @property
    def url(self) -> str:
        return self.url_for(self.user, self.password)

    @property
    def admin_url(self) -> str:
        return self.url_for("admin", self.admin_password)

    def info(self) -> dict:
        return {
            **super().info(),
            "host": HOST,
            "port": self.server.port,
            "url": self.url,
            "admin_url": self.admin_url,
            "user": self.user,
            "password": self.password,
            "admin_password": self.admin_password,
            "ca_file": str(self.ca_file),
            "untrusted_ca_file": str(self.untrusted_ca_file),
            "acl": REDBEAT_ACL,
        }
