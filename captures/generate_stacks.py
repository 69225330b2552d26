#!/usr/bin/env python3
"""Captures of Go crypto/tls, Java JSSE and NSS handshakes, paired with OpenSSL and GnuTLS.

Usage (as root, or with capture rights for tcpdump):

    python captures/generate_stacks.py            # every stack capture
    python captures/generate_stacks.py go-client-untrusted-ca-tls13   # only these
    python captures/generate_stacks.py --list     # names, stacks and expected diagnosis
    python captures/generate_stacks.py --table    # also print the README table rows

Reuses generate.py's PKI, process plumbing, tcpdump runner and tshark checks (imported, not
copied). On top it builds a tiny Go client/server (stacks_src/gotls.go, stdlib only, compiled
with Debian's go in a temp GOCACHE, no network), a tiny JSSE client/server
(stacks_src/TlsTool.java, javac) with PKCS12 key and trust stores made from the same PKI, and NSS
databases for tstclnt/selfserv (certutil/pk12util).

Every scenario carries the diagnosis a correct tool must give (`want`): status, cause, and the
causes that are an honest generic answer when the deciding evidence is encrypted. Those come
from how the scenario was set up, never from tlstui's output; scripts/diag_matrix.py compares
tlstui with them.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate as g

HERE = g.HERE
SRC = HERE / "stacks_src"
PASS = "changeit"  # key/trust store password (throwaway PKI)

USER_CANCELED = 90
CERTIFICATE_UNKNOWN = 46
INTERNAL_ERROR = 80
UNEXPECTED_MESSAGE = 10


@dataclass(frozen=True)
class Want:
    """What a correct diagnosis says, from the scenario's setup (not from tlstui).

    `generic` lists the causes that count as an honest generic answer when the capture alone
    cannot read the deciding evidence (an encrypted alert or certificate); they must come at
    medium confidence or lower."""

    status: str  # "ok" | "failed"
    cause: str
    generic: tuple[str, ...] = ()


@dataclass
class StackScenario:
    name: str
    client: str  # stack labels for the README table
    server: str
    build: g.Builder
    expect: g.Expect
    want: Want
    note: str = ""


# --------------------------------------------------------------------------------------------
# Tool builds: Go binary, Java class, key stores, NSS databases (once per run, in `work`)
# --------------------------------------------------------------------------------------------


@dataclass
class Tools:
    gobin: Path
    javadir: Path
    stores: Path  # PKCS12 key/trust stores
    nss_client: Path  # NSS db: trusts the test CA; holds the client certificate
    nss_server: Path  # NSS db: server certificate "server"; trusts only the test CA


TOOLS: Tools | None = None


def _run(argv: list[str], **kw) -> None:
    subprocess.run(argv, check=True, timeout=120, capture_output=True, **kw)


def build_tools(work: Path, pki: g.PKI) -> Tools:
    """Compile the Go and Java programs and make the stores. Offline: stdlib only."""
    gsrc = work / "gosrc"
    gsrc.mkdir()
    shutil.copy(SRC / "gotls.go", gsrc / "main.go")
    shutil.copy(SRC / "go.mod", gsrc / "go.mod")
    env = {
        **os.environ,
        "GOCACHE": str(work / "gocache"),
        "GOPATH": str(work / "gopath"),
        "GOFLAGS": "-mod=mod",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
    }
    gobin = work / "gotls"
    _run(["go", "build", "-o", str(gobin), "."], cwd=gsrc, env=env)
    javadir = work / "java"
    javadir.mkdir()
    _run(["javac", "-d", str(javadir), str(SRC / "TlsTool.java")])
    stores = work / "stores"
    stores.mkdir()
    for name in ("rsa", "untrusted", "expired", "notyet", "wronghost", "client"):
        crt, key = getattr(pki, name)
        _run(
            [
                "openssl",
                "pkcs12",
                "-export",
                "-in",
                str(crt),
                "-inkey",
                str(key),
                "-name",
                name,
                "-out",
                str(stores / f"{name}.p12"),
                "-passout",
                f"pass:{PASS}",
            ]
        )
    for name, ca in (("trust-ca", pki.ca[0]), ("trust-client-ca", pki.client_ca[0])):
        _run(
            [
                "keytool",
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                str(ca),
                "-keystore",
                str(stores / f"{name}.p12"),
                "-storetype",
                "PKCS12",
                "-storepass",
                PASS,
            ]
        )
    nss_client, nss_server = work / "nss-client", work / "nss-server"
    for db, p12 in ((nss_client, "client"), (nss_server, "rsa")):
        db.mkdir()
        _run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"])
        _run(
            [
                "certutil",
                "-A",
                "-d",
                f"sql:{db}",
                "-n",
                "testca",
                "-t",
                "CT,C,C",
                "-i",
                str(pki.ca[0]),
            ]
        )
        _run(
            ["pk12util", "-i", str(stores / f"{p12}.p12"), "-d", f"sql:{db}", "-W", PASS, "-K", ""]
        )
    return Tools(gobin, javadir, stores, nss_client, nss_server)


def tools() -> Tools:
    assert TOOLS is not None, "build_tools() runs before any scenario is built"
    return TOOLS


# --------------------------------------------------------------------------------------------
# Command helpers per stack
# --------------------------------------------------------------------------------------------


def go_server(c: g.Ctx, *extra: str, cert: str = "rsa") -> list[str]:
    crt, key = getattr(c.pki, cert)
    return [
        str(tools().gobin),
        "-mode",
        "server",
        "-addr",
        c.hp,
        "-cert",
        str(crt),
        "-key",
        str(key),
        "-keylog",
        str(c.keys("server")),
        *extra,
    ]


def go_client(c: g.Ctx, *extra: str, **kw) -> g.ClientRun:
    argv = [
        str(tools().gobin),
        "-mode",
        "client",
        "-addr",
        c.hp,
        "-ca",
        str(c.pki.ca[0]),
        "-keylog",
        str(c.keys("client")),
        *extra,
    ]
    return g.ClientRun(argv, **kw)


def java(*args: str) -> list[str]:
    # class-data sharing and the C1 compiler only: a JVM start well under a second
    return ["java", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", str(tools().javadir), *args]


def java_server(c: g.Ctx, *extra: str, cert: str = "rsa", props: tuple[str, ...] = ()) -> list[str]:
    st = tools().stores
    return [
        *java(*props, "TlsTool"),
        "mode=server",
        f"host={c.host}",
        f"port={c.port}",
        f"keystore={st / (cert + '.p12')}",
        *extra,
    ]


def java_client(c: g.Ctx, *extra: str, props: tuple[str, ...] = (), **kw) -> g.ClientRun:
    st = tools().stores
    argv = [
        *java(*props, "TlsTool"),
        "mode=client",
        f"host={c.host}",
        f"port={c.port}",
        f"truststore={st / 'trust-ca.p12'}",
        *extra,
    ]
    return g.ClientRun(argv, timeout=20, **kw)


def nss_env(c: g.Ctx, side: str) -> dict[str, str]:
    # Debian's NSS is built without SSLKEYLOGFILE support; the OpenSSL/GnuTLS peer logs keys
    return {"SSLKEYLOGFILE": str(c.keys(side)), "NSS_ALLOW_SSLKEYLOGFILE": "1"}


def nss_server(c: g.Ctx, *extra: str) -> list[str]:
    return ["selfserv", "-d", f"sql:{tools().nss_server}", "-n", "rsa", "-p", str(c.port), *extra]


def nss_client(c: g.Ctx, *extra: str, **kw) -> g.ClientRun:
    argv = [
        "tstclnt",
        "-d",
        f"sql:{tools().nss_client}",
        "-h",
        c.host,
        "-p",
        str(c.port),
        "-a",
        "localhost",
        "-4",
        *extra,
    ]
    return g.ClientRun(argv, g.HTTP_REQUEST, env=nss_env(c, "client"), **kw)


def ossl_s(c: g.Ctx, *extra: str, cert: str = "rsa") -> list[str]:
    return g.ossl_server(c, *extra, cert=cert)


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------

OSSL, GNUTLS, GO, JAVA, NSS, PYSOCK = (
    "OpenSSL 3.0",
    "GnuTLS 3.7",
    "Go 1.19 crypto/tls",
    "Java 17 JSSE",
    "NSS 3.87",
    "Python socket",
)
E = g.Expect
A = g.Alert
SCEN: list[StackScenario] = []


def scen(
    name: str, client: str, server: str, expect: g.Expect, want: Want, note: str = ""
) -> Callable[[g.Builder], g.Builder]:
    def deco(fn: g.Builder) -> g.Builder:
        SCEN.append(StackScenario(name, client, server, fn, expect, want, note))
        return fn

    return deco


OK = Want("ok", "ok")


def failed(cause: str, *generic: str) -> Want:
    return Want("failed", cause, tuple(generic))


# ---- Go as the client -----------------------------------------------------------------------


@scen("go-client-ok-tls13", GO, OSSL, E(version="0x0304"), OK)
def _(c):
    return g.Session(ossl_s(c, "-tls1_3"), [go_client(c, expect_ok=True)])


@scen("go-client-resumption-tls13", GO, OSSL, E(sessions=2, resumed=1, version="0x0304"), OK)
def _(c):
    return g.Session(ossl_s(c, "-tls1_3"), [go_client(c, "-n", "2", expect_ok=True)])


@scen(
    "go-client-untrusted-ca-tls13",
    GO,
    OSSL,
    E(alerts=[A(g.BAD_CERTIFICATE, "client", encrypted=True)]),
    failed("untrusted_ca", "bad_certificate", "unknown"),
)
def _(c):
    return g.Session(ossl_s(c, "-tls1_3", cert="untrusted"), [go_client(c, expect_ok=False)])


@scen(
    "go-client-untrusted-ca-tls13-then-tls12",
    GO,
    OSSL,
    E(
        sessions=2,
        alerts=[A(g.BAD_CERTIFICATE, "client", encrypted=True), A(g.BAD_CERTIFICATE, "client")],
    ),
    failed("untrusted_ca", "bad_certificate", "unknown"),
    "two connections to one server: the TLS 1.2 one shows the chain the TLS 1.3 one hides",
)
def _(c):
    return g.Session(
        ossl_s(c, cert="untrusted"),
        [go_client(c, expect_ok=False), go_client(c, "-max", "1.2", expect_ok=False)],
    )


@scen(
    "go-client-untrusted-ca-tls12",
    GO,
    GNUTLS,
    E(alerts=[A(g.BAD_CERTIFICATE, "client")]),
    failed("untrusted_ca"),
)
def _(c):
    return g.Session(
        g.gnutls_server(c, "-a", "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2", cert="untrusted"),
        [go_client(c, expect_ok=False)],
        server_env=g.gnutls_env(c, "server"),
    )


@scen(
    "go-client-expired-tls12",
    GO,
    OSSL,
    E(alerts=[A(g.BAD_CERTIFICATE, "client")]),
    failed("expired_certificate"),
)
def _(c):
    return g.Session(ossl_s(c, "-tls1_2", cert="expired"), [go_client(c, expect_ok=False)])


@scen(
    "go-client-not-yet-valid-tls13",
    GO,
    OSSL,
    E(alerts=[A(g.BAD_CERTIFICATE, "client", encrypted=True)]),
    failed("not_yet_valid_certificate", "bad_certificate", "unknown"),
)
def _(c):
    return g.Session(ossl_s(c, "-tls1_3", cert="notyet"), [go_client(c, expect_ok=False)])


@scen(
    "go-client-hostname-mismatch-tls13",
    GO,
    GNUTLS,
    E(alerts=[A(g.BAD_CERTIFICATE, "client", encrypted=True)]),
    failed("hostname_mismatch", "bad_certificate", "unknown"),
)
def _(c):
    return g.Session(
        g.gnutls_server(c, "-a", cert="wronghost"),
        [go_client(c, expect_ok=False)],
        server_env=g.gnutls_env(c, "server"),
    )


@scen(
    "go-client-cert-withheld-tls13",
    GO,
    OSSL,
    E(alerts=[A(g.CERTIFICATE_REQUIRED, "server", encrypted=True)]),
    failed("client_cert_missing", "unknown"),
    "the server lists only the test CA; Go withholds its certificate from another CA",
)
def _(c):
    cc, ck = c.pki.client
    return g.Session(
        ossl_s(c, "-tls1_3", "-Verify", "1", "-CAfile", str(c.pki.ca[0])),
        # the Go client's handshake returns before the server's alert arrives (TLS 1.3)
        [go_client(c, "-cert", str(cc), "-key", str(ck), expect_ok=None)],
    )


@scen(
    "go-client-timeout-no-response",
    GO,
    PYSOCK,
    E(no_server_bytes=True),
    failed("no_response"),
    "the client gives up after 1 s of silence and closes (FIN)",
)
def _(c):
    return g.Session(g.py_server(c, "silent"), [go_client(c, "-timeout", "1s", expect_ok=False)])


@scen(
    "go-client-tls11-vs-openssl",
    GO,
    OSSL,
    E(alerts=[A(INTERNAL_ERROR, "server")]),
    failed("protocol_version_mismatch"),
    "client offers only TLS 1.1; OpenSSL 3 at security level 1 cannot sign at TLS 1.1",
)
def _(c):
    return g.Session(ossl_s(c), [go_client(c, "-min", "1.1", "-max", "1.1", expect_ok=False)])


# ---- Go as the server -----------------------------------------------------------------------


@scen("go-server-ok-tls12", OSSL, GO, E(version="0x0303"), OK)
def _(c):
    return g.Session(go_server(c), [g.ossl_client(c, "-tls1_2", expect_ok=True)])


@scen(
    "go-server-client-cert-missing-tls13",
    OSSL,
    GO,
    E(alerts=[A(g.BAD_CERTIFICATE, "server", encrypted=True)]),
    failed("client_cert_missing", "unknown"),
)
def _(c):
    return g.Session(
        go_server(c, "-require", "-ca", str(c.pki.client_ca[0])),
        [g.ossl_client(c, "-tls1_3", expect_ok=False)],
    )


@scen(
    "go-server-client-cert-missing-tls12",
    GNUTLS,
    GO,
    E(alerts=[A(g.BAD_CERTIFICATE, "server")]),
    failed("client_cert_missing"),
)
def _(c):
    return g.Session(
        go_server(c, "-require", "-ca", str(c.pki.client_ca[0]), "-max", "1.2"),
        [g.gnutls_client(c, expect_ok=False)],
    )


@scen(
    "go-server-client-cert-rejected-tls13",
    OSSL,
    GO,
    E(alerts=[A(g.BAD_CERTIFICATE, "server", encrypted=True)]),
    failed("client_cert_rejected", "unknown"),
    "the client sends a certificate from a CA the server does not trust",
)
def _(c):
    cc, ck = c.pki.client
    return g.Session(
        go_server(c, "-require", "-ca", str(c.pki.ca[0])),
        [g.ossl_client(c, "-tls1_3", "-cert", str(cc), "-key", str(ck), expect_ok=False)],
    )


@scen(
    "go-server-no-shared-cipher-tls12",
    OSSL,
    GO,
    E(alerts=[A(g.HANDSHAKE_FAILURE, "server")]),
    failed("no_shared_cipher"),
)
def _(c):
    return g.Session(
        go_server(c),
        [g.ossl_client(c, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", expect_ok=False)],
    )


@scen(
    "go-server-no-common-group-tls13",
    OSSL,
    GO,
    E(alerts=[A(g.HANDSHAKE_FAILURE, "server")]),
    failed("no_common_group"),
)
def _(c):
    return g.Session(
        go_server(c, "-curves", "p384", "-min", "1.3"),
        [g.ossl_client(c, "-tls1_3", "-groups", "X25519:P-256", expect_ok=False)],
    )


@scen(
    "go-server-version-mismatch",
    OSSL,
    GO,
    E(alerts=[A(g.PROTOCOL_VERSION, "server")]),
    failed("protocol_version_mismatch"),
)
def _(c):
    return g.Session(go_server(c, "-min", "1.3"), [g.ossl_client(c, "-tls1_2", expect_ok=False)])


@scen(
    "go-server-alpn-mismatch-tls13",
    OSSL,
    GO,
    E(alerts=[A(g.NO_APPLICATION_PROTOCOL, "server", encrypted=True)]),
    failed("alpn_mismatch", "unknown"),
    "Go negotiates ALPN after its ServerHello: the alert is encrypted",
)
def _(c):
    return g.Session(
        go_server(c, "-alpn", "http/1.1"), [g.ossl_client(c, "-alpn", "h2", expect_ok=False)]
    )


@scen(
    "go-server-h2-only-lets-http11-in",
    OSSL,
    GO,
    E(version="0x0304"),
    OK,
    "server ALPN h2 only, client http/1.1 only: Go selects no ALPN and carries on",
)
def _(c):
    return g.Session(
        go_server(c, "-alpn", "h2"), [g.ossl_client(c, "-alpn", "http/1.1", expect_ok=True)]
    )


@scen(
    "go-server-abrupt-close-after-data-tls13",
    OSSL,
    GO,
    E(alerts=[A(g.DECODE_ERROR, "client", encrypted=True)], version="0x0304"),
    # without keys the answer may be a close_notify: "ok" at medium is the honest answer
    Want("ok", "abrupt_close", ("ok",)),
    "the server answers, then closes TCP without close_notify; OpenSSL 3 says 'unexpected eof"
    " while reading' and answers with an encrypted decode_error",
)
def _(c):
    return g.Session(go_server(c, "-rawclose"), [g.ossl_client(c, "-tls1_3", expect_ok=None)])


@scen(
    "go-server-refuses-renegotiation-tls12",
    OSSL,
    GO,
    E(
        alerts=[A(UNEXPECTED_MESSAGE, "server", encrypted=True)],
        version="0x0303",
        renegotiations=1,
    ),
    Want("ok", "ok", ("abrupt_close", "unknown")),
    "s_client 'R' renegotiates after the handshake; Go refuses with an encrypted"
    " unexpected_message (10)",
)
def _(c):
    cmd = g.ossl_client(c, "-tls1_2", request=False).argv
    return g.Session(
        go_server(c),
        [g.ClientRun(["sh", "-c", "(echo R; sleep 1) | " + shlex.join(cmd)], expect_ok=None)],
    )


# ---- Java as the client ---------------------------------------------------------------------


@scen("java-client-ok-tls13", JAVA, OSSL, E(version="0x0304"), OK)
def _(c):
    return g.Session(ossl_s(c, "-tls1_3"), [java_client(c, expect_ok=True)])


@scen("java-client-resumption-tls12", JAVA, OSSL, E(sessions=2, resumed=1, version="0x0303"), OK)
def _(c):
    return g.Session(ossl_s(c, "-tls1_2"), [java_client(c, "n=2", expect_ok=True)])


@scen(
    "java-client-untrusted-ca-tls13",
    JAVA,
    OSSL,
    E(alerts=[A(CERTIFICATE_UNKNOWN, "client", encrypted=True)]),
    failed("untrusted_ca", "bad_certificate", "unknown"),
)
def _(c):
    return g.Session(ossl_s(c, "-tls1_3", cert="untrusted"), [java_client(c, expect_ok=False)])


@scen(
    "java-client-untrusted-ca-tls12",
    JAVA,
    GNUTLS,
    E(alerts=[A(CERTIFICATE_UNKNOWN, "client")]),
    failed("untrusted_ca"),
)
def _(c):
    return g.Session(
        g.gnutls_server(c, "-a", "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2", cert="untrusted"),
        [java_client(c, expect_ok=False)],
        server_env=g.gnutls_env(c, "server"),
    )


@scen(
    "java-client-expired-tls12",
    JAVA,
    OSSL,
    E(alerts=[A(g.CERTIFICATE_EXPIRED, "client")]),
    failed("expired_certificate"),
)
def _(c):
    return g.Session(ossl_s(c, "-tls1_2", cert="expired"), [java_client(c, expect_ok=False)])


@scen(
    "java-client-not-yet-valid-tls12",
    JAVA,
    OSSL,
    E(alerts=[A(g.BAD_CERTIFICATE, "client")]),
    failed("not_yet_valid_certificate"),
    "JSSE 17.0.15 sends bad_certificate (42) for a certificate that is not yet valid",
)
def _(c):
    return g.Session(ossl_s(c, "-tls1_2", cert="notyet"), [java_client(c, expect_ok=False)])


@scen(
    "java-client-hostname-mismatch-tls13",
    JAVA,
    OSSL,
    E(alerts=[A(CERTIFICATE_UNKNOWN, "client", encrypted=True)]),
    failed("hostname_mismatch", "bad_certificate", "unknown"),
)
def _(c):
    return g.Session(ossl_s(c, "-tls1_3", cert="wronghost"), [java_client(c, expect_ok=False)])


@scen(
    "java-client-timeout-no-response",
    JAVA,
    PYSOCK,
    E(no_server_bytes=True, alerts=[A(USER_CANCELED, "client")]),
    failed("no_response"),
    "the client's read times out after 1 s: user_canceled + close_notify (plaintext), FIN",
)
def _(c):
    return g.Session(g.py_server(c, "silent"), [java_client(c, "timeout_ms=1000", expect_ok=False)])


# ---- Java as the server ---------------------------------------------------------------------


@scen("java-server-ok-tls12", OSSL, JAVA, E(version="0x0303"), OK)
def _(c):
    return g.Session(java_server(c), [g.ossl_client(c, "-tls1_2", expect_ok=True)])


@scen(
    "java-server-client-cert-missing-tls13",
    OSSL,
    JAVA,
    E(alerts=[A(g.BAD_CERTIFICATE, "server", encrypted=True)]),
    failed("client_cert_missing", "unknown"),
    "JSSE answers an empty TLS 1.3 client Certificate with bad_certificate (42), not 116",
)
def _(c):
    return g.Session(
        java_server(c, "require=1", f"truststore={tools().stores / 'trust-client-ca.p12'}"),
        [g.ossl_client(c, "-tls1_3", expect_ok=False)],
    )


@scen(
    "java-server-client-cert-missing-tls12",
    GNUTLS,
    JAVA,
    E(alerts=[A(g.BAD_CERTIFICATE, "server")]),
    failed("client_cert_missing"),
)
def _(c):
    return g.Session(
        java_server(
            c,
            "require=1",
            "protocols=TLSv1.2",
            f"truststore={tools().stores / 'trust-client-ca.p12'}",
        ),
        [g.gnutls_client(c, expect_ok=False)],
    )


@scen(
    "java-server-client-cert-rejected-tls13",
    OSSL,
    JAVA,
    E(alerts=[A(CERTIFICATE_UNKNOWN, "server", encrypted=True)]),
    failed("client_cert_rejected", "unknown"),
)
def _(c):
    cc, ck = c.pki.client
    return g.Session(
        java_server(c, "require=1", f"truststore={tools().stores / 'trust-ca.p12'}"),
        [g.ossl_client(c, "-tls1_3", "-cert", str(cc), "-key", str(ck), expect_ok=False)],
    )


@scen(
    "java-server-no-shared-cipher-tls12",
    OSSL,
    JAVA,
    E(alerts=[A(g.HANDSHAKE_FAILURE, "server")]),
    failed("no_shared_cipher"),
)
def _(c):
    return g.Session(
        java_server(c),
        [g.ossl_client(c, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", expect_ok=False)],
    )


@scen(
    "java-server-version-mismatch",
    OSSL,
    JAVA,
    E(alerts=[A(g.PROTOCOL_VERSION, "server")]),
    failed("protocol_version_mismatch"),
)
def _(c):
    return g.Session(
        java_server(c, "protocols=TLSv1.3"), [g.ossl_client(c, "-tls1_2", expect_ok=False)]
    )


@scen(
    "java-server-no-common-group-tls13",
    OSSL,
    JAVA,
    E(alerts=[A(UNEXPECTED_MESSAGE, "server")]),
    failed("no_common_group"),
)
def _(c):
    return g.Session(
        java_server(c, "protocols=TLSv1.3", props=("-Djdk.tls.namedGroups=secp384r1",)),
        [g.ossl_client(c, "-tls1_3", "-groups", "X25519:P-256", expect_ok=False)],
    )


@scen(
    "java-server-alpn-mismatch",
    OSSL,
    JAVA,
    E(alerts=[A(g.NO_APPLICATION_PROTOCOL, "server")]),
    failed("alpn_mismatch"),
)
def _(c):
    return g.Session(
        java_server(c, "alpn=http/1.1"), [g.ossl_client(c, "-alpn", "h2", expect_ok=False)]
    )


# ---- NSS as the client ----------------------------------------------------------------------


@scen("nss-client-ok-tls13", NSS, OSSL, E(version="0x0304"), OK)
def _(c):
    # tstclnt keeps waiting after the server's close_notify and FIN; stop it after 1.5 s
    return g.Session(ossl_s(c, "-tls1_3"), [nss_client(c, kill_after=1.5)])


@scen(
    "nss-client-untrusted-ca-tls13",
    NSS,
    OSSL,
    E(alerts=[A(g.UNKNOWN_CA, "client", encrypted=True)]),
    failed("untrusted_ca", "bad_certificate", "unknown"),
)
def _(c):
    return g.Session(ossl_s(c, "-tls1_3", cert="untrusted"), [nss_client(c, expect_ok=False)])


@scen(
    "nss-client-untrusted-ca-tls12",
    NSS,
    OSSL,
    E(alerts=[A(g.UNKNOWN_CA, "client", encrypted=True)]),
    failed("untrusted_ca", "bad_certificate", "unknown"),
    "tstclnt verifies asynchronously: TLS 1.2 handshake completes, then an encrypted alert",
)
def _(c):
    return g.Session(ossl_s(c, "-tls1_2", cert="untrusted"), [nss_client(c, expect_ok=False)])


@scen(
    "nss-client-expired-tls12",
    NSS,
    GNUTLS,
    E(alerts=[A(g.CERTIFICATE_EXPIRED, "client", encrypted=True)]),
    failed("expired_certificate", "bad_certificate", "unknown"),
)
def _(c):
    return g.Session(
        g.gnutls_server(c, "-a", "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2", cert="expired"),
        [nss_client(c, expect_ok=False)],
        server_env=g.gnutls_env(c, "server"),
    )


@scen(
    "nss-client-hostname-mismatch-tls13",
    NSS,
    OSSL,
    E(alerts=[A(g.BAD_CERTIFICATE, "client", encrypted=True)]),
    failed("hostname_mismatch", "bad_certificate", "unknown"),
)
def _(c):
    return g.Session(ossl_s(c, "-tls1_3", cert="wronghost"), [nss_client(c, expect_ok=False)])


# ---- NSS as the server ----------------------------------------------------------------------


@scen("nss-server-ok-tls12", OSSL, NSS, E(version="0x0303"), OK)
def _(c):
    return g.Session(nss_server(c), [g.ossl_client(c, "-tls1_2", expect_ok=True)])


@scen(
    "nss-server-client-cert-missing-tls13",
    OSSL,
    NSS,
    E(alerts=[A(g.CERTIFICATE_REQUIRED, "server", encrypted=True)]),
    failed("client_cert_missing", "unknown"),
)
def _(c):
    return g.Session(nss_server(c, "-r", "-r"), [g.ossl_client(c, "-tls1_3", expect_ok=False)])


@scen(
    "nss-server-client-cert-missing-tls12",
    OSSL,
    NSS,
    E(alerts=[A(g.BAD_CERTIFICATE, "server")]),
    failed("client_cert_missing"),
)
def _(c):
    return g.Session(nss_server(c, "-r", "-r"), [g.ossl_client(c, "-tls1_2", expect_ok=False)])


@scen(
    "nss-server-no-shared-cipher-tls12",
    OSSL,
    NSS,
    E(alerts=[A(g.HANDSHAKE_FAILURE, "server")]),
    failed("no_shared_cipher"),
)
def _(c):
    return g.Session(
        nss_server(c),
        [g.ossl_client(c, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", expect_ok=False)],
    )


@scen(
    "nss-server-version-mismatch",
    OSSL,
    NSS,
    E(alerts=[A(g.PROTOCOL_VERSION, "server")]),
    failed("protocol_version_mismatch"),
)
def _(c):
    return g.Session(nss_server(c, "-V", "tls1.3:"), [g.ossl_client(c, "-tls1_2", expect_ok=False)])


# --------------------------------------------------------------------------------------------
# Registration into generate.py's tables, and the run
# --------------------------------------------------------------------------------------------

BY_NAME = {s.name: s for s in SCEN}


def register() -> None:
    """Make the stack scenarios runnable by generate.run_capture / generate.check."""
    g.STACK_NAMES.update({"gotls": GO, "java": JAVA, "tstclnt": NSS, "selfserv": NSS})
    for s in SCEN:
        g.ALL_SCENARIOS[s.name] = s.build
        g.EXTRA_EXPECT[s.name] = s.expect


def captures() -> list[g.Capture]:
    return [g.Capture(f"{s.name}.pcap", [s.name]) for s in SCEN]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="only these captures (file name without extension)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, PKI)")
    ap.add_argument("--no-check", action="store_true", help="write files even if checks fail")
    args = ap.parse_args()
    register()
    caps = captures()
    if args.list:
        for s in SCEN:
            print(f"{s.name}.pcap\t{s.client} -> {s.server}\t{s.want.status}/{s.want.cause}")
        return 0
    if args.names:
        want = set(args.names)
        caps = [c for c in caps if c.name.rsplit(".", 1)[0] in want]
        if not caps:
            ap.error("no such capture")
    for tool in ("tcpdump", "tshark", "openssl", "gnutls-serv", "go", "javac", "java", "keytool"):
        if shutil.which(tool) is None:
            print(f"missing tool: {tool}", file=sys.stderr)
            return 2
    for tool in ("tstclnt", "selfserv", "certutil", "pk12util"):
        if shutil.which(tool) is None:
            print(f"missing tool: {tool} (apt-get install libnss3-tools)", file=sys.stderr)
            return 2
    work = Path(tempfile.mkdtemp(prefix="tlstui-stacks-"))
    os.chmod(work, 0o755)
    failures = []
    global TOOLS
    try:
        (work / "pyserver.py").write_text(g.PY_SERVER)
        (work / "pyclient.py").write_text(g.PY_CLIENT)
        (work / "index.txt").write_bytes(g.INDEX_BODY)
        pki = g.PKI(work)
        TOOLS = build_tools(work, pki)
        for cap in caps:
            try:
                res = g.run_capture(cap, pki, work)
                lines = g.check(cap, res["file"], res["keys"], res["ports"], res["stacks"])
                print("ok   " + "\n".join(lines), flush=True)
            except (g.CheckError, RuntimeError, subprocess.SubprocessError) as e:
                failures.append(str(e))
                print(f"FAIL {cap.name}: {e}", flush=True)
    finally:
        if args.keep:
            print(f"temp dir kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{len(caps) - len(failures)}/{len(caps)} captures ok")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
