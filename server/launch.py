"""What `hearth serve` does for a facilitator on a laptop: list every address phones could use,
draw the join QR code in the terminal, and open the console in the default browser once the
server is listening. Nothing here runs on a server unless asked (see should_open)."""

from __future__ import annotations

import ipaddress
import os
import shutil
import sys
import threading
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

import ifaddr
import segno

OPEN_CHOICES = ("auto", "always", "never")
WILDCARD = ("0.0.0.0", "::", "")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def interface_addresses() -> list[tuple[str, str]]:
    """(interface name, IPv4 address) of every interface phones could reach: not loopback, not
    link-local (169.254.x.x, which no working network hands out)."""
    found: list[tuple[str, str]] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6: phones on a venue's Wi-Fi reach the IPv4 address
            address = ipaddress.ip_address(ip.ip)
            if address.is_loopback or address.is_link_local:
                continue
            found.append((str(adapter.nice_name), ip.ip))
    return sorted(set(found), key=lambda pair: (not ipaddress.ip_address(pair[1]).is_private, pair))


def phone_addresses(host: str, port: int) -> list[tuple[str, str]]:
    """(interface, join URL) for each address the server can be reached at from a phone."""
    if is_loopback(host):
        return []
    if host not in WILDCARD:
        return [("", f"http://{host}:{port}/join")]
    return [(name, f"http://{ip}:{port}/join") for name, ip in interface_addresses()]


def local_console(host: str, port: int) -> str:
    """The address this computer's own browser opens the console at."""
    return f"http://{'127.0.0.1' if host in WILDCARD else host}:{port}"


def terminal_qr(url: str, out: TextIO) -> None:
    """The join QR code drawn with block characters; plain ANSI blocks where the terminal's
    encoding has no such characters (older Windows consoles)."""
    code = segno.make(url, error="m")
    try:
        code.terminal(out=out, compact=True, border=2)
    except UnicodeEncodeError:
        code.terminal(out=out, border=2)


def should_open(
    choice: str, interactive: bool, environ: Mapping[str, str], platform: str = sys.platform
) -> bool:
    """always / never, or auto: when run from a terminal on a computer with a desktop (macOS,
    Windows, a Linux session with a display, or BROWSER set). A service, a container or a test
    run writes to no terminal and opens nothing."""
    if choice == "always":
        return True
    if choice != "auto":
        return False
    if not interactive:
        return False
    if platform in ("darwin", "win32") or environ.get("BROWSER"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def open_in_browser(url: str, opener: Callable[[str], bool] = webbrowser.open) -> None:
    """Open url without holding up the server: a text-mode browser would wait for its user."""
    threading.Thread(target=opener, args=(url,), name="hearth-open", daemon=True).start()


def print_addresses(host: str, port: int, join_url: str, out: TextIO = sys.stdout) -> None:
    """Every address phones could use, and the join QR code when the output is a terminal."""
    if is_loopback(host):
        print(
            "  This server listens on this computer only: phones cannot reach it.\n"
            "  Start it with --host 0.0.0.0 to let phones on your network join.",
            file=out,
        )
        return
    addresses = phone_addresses(host, port)
    if not addresses:
        print(
            "  This computer has no network address phones could use: join a Wi-Fi network"
            " or turn on your phone's hotspot, then start Hearth again.",
            file=out,
        )
    elif len(addresses) > 1:
        print("  Phones on the same network can open any of:", file=out)
        for name, url in addresses:
            print(f"    {url}" + (f"   ({name})" if name else ""), file=out)
    if out.isatty():
        print(f"  Scan to join ({join_url}):", file=out)
        terminal_qr(join_url, out)
    out.flush()


def hearth_program(argv0: str | None = None) -> str:
    """`hearth` as it can be typed on this computer: the word when it is on the PATH, else the
    path of the script that was run (a checkout's `.venv/bin/hearth`, where `hearth link`
    alone would be "command not found")."""
    script = Path(argv0 if argv0 is not None else sys.argv[0])
    if script.name != "hearth":  # python -m server.cli, a test: the installed name
        return "hearth"
    found = shutil.which("hearth")
    if found and Path(found).resolve() == script.resolve():
        return "hearth"
    return str(script.resolve())


def journal_kept(out: TextIO = sys.stdout) -> bool:
    """Whether this output is systemd's journal, which keeps it: systemd names the stream it
    connected a service's output to in JOURNAL_STREAM (device:inode)."""
    try:
        device, inode = (int(part) for part in os.environ["JOURNAL_STREAM"].split(":"))
        status = os.fstat(out.fileno())
    except (KeyError, ValueError, OSError):
        return False
    return (status.st_dev, status.st_ino) == (device, inode)


def interactive(out: TextIO = sys.stdout) -> bool:
    try:
        return out.isatty() and os.environ.get("TERM") != "dumb"
    except ValueError:  # closed
        return False
