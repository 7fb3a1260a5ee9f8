"""Write-then-rename, so a killed run never leaves a half-written output.

The output is written to a temporary file beside the target (same directory, so the
rename is atomic on one file system) and renamed over the target only when complete.
Any error, Ctrl-C included, removes the temporary file and leaves an existing target as
it was. Only a hard kill (SIGKILL, power loss) can leave a `.<name>.<random><suffix>`
file behind, never a partial target.

The temporary file is private while it is written (mkstemp makes it 0600); before the
rename it gets the permissions a plain `open(target, "w")` would have given: those of the
file it replaces, or for a new file 0666 less the user's umask, so a report shared
through a group-readable folder stays readable by the group.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target` at once."""
    target = Path(target)
    if target.is_dir():
        raise InputError("{path}: is a folder; name the file to write", path=target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent
        )
    except OSError as exc:
        raise InputError(
            "{path}: cannot write there ({reason})", path=target, reason=exc.strerror or exc
        ) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        _flush_to_disk(tmp_path)  # the rename must not land before the bytes do
        os.chmod(tmp_path, _mode_for(target))
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _mode_for(target: Path) -> int:
    """The permission bits `open(target, "w")` would leave: the existing file's, else
    0666 masked by the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)  # the only way to read it; set back at once
        os.umask(umask)
        return 0o666 & ~umask


def _flush_to_disk(path: Path) -> None:
    with contextlib.suppress(OSError), path.open("rb+") as fh:
        os.fsync(fh.fileno())
