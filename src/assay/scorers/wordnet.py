"""WordNet 3.0 for METEOR, from files already on the machine (never downloaded).

nltk's ``WordNetCorpusReader`` wants a directory with the WordNet 3.0 database
(``data.*``, ``index.*``, ``*.exc``; ``index.sense`` and ``cntlist.rev`` for sense
keys and counts) and the 45-line ``lexnames`` file of lexnames(5). Debian's packages
``wordnet-base`` and ``wordnet-sense-index`` put the database in ``/usr/share/wordnet``
but ship no ``lexnames``; assay carries that file (``assay/scorers/data/lexnames``,
written from the table in lexnames(5)) and assembles a complete directory under
``$ASSAY_CACHE_DIR/wordnet/<key>/`` (default ``~/.cache/assay``; a temporary directory
when that is not writable).

Where WordNet is looked for, first hit wins:

1. the ``wordnet_dir`` argument, else ``$ASSAY_WORDNET_DIR``;
2. ``$WNSEARCHDIR``, ``$WNHOME/dict``, ``/usr/share/wordnet``, ``/usr/local/WordNet-3.0/dict``,
   ``/usr/share/wordnet/dict``;
3. nltk's own data (``nltk.data.find("corpora/wordnet")``), if it was installed with
   ``nltk.download("wordnet")`` beforehand; assay never calls the downloader.

The database files of the directory found are copied once (about 37 MB) into the
cache folder beside assay's ``lexnames`` (the fixed WordNet 3.0 list), and the cache
folder is appended to ``nltk.data.path``: nltk 3.9+ opens corpus files only under its
data roots, and refuses symbolic or hard links there. When none is found the error
says how to install it: ``apt-get install wordnet-base wordnet-sense-index``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

from assay.errors import MissingDependency, UserInputError

__all__ = ["WordNetMissing", "INSTALL_HINT", "LEXNAMES", "find_wordnet_dir", "load_wordnet"]

INSTALL_HINT = "apt-get install wordnet-base wordnet-sense-index"
LEXNAMES = Path(__file__).parent / "data" / "lexnames"
REQUIRED_FILES = tuple(f"{kind}.{pos}" for kind in ("index", "data")
                       for pos in ("noun", "verb", "adj", "adv")) + tuple(
    f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv"))
OPTIONAL_FILES = ("index.sense", "cntlist.rev", "cntlist", "frames.vrb", "sentidx.vrb", "sents.vrb")
SYSTEM_DIRS = ("/usr/share/wordnet", "/usr/local/WordNet-3.0/dict", "/usr/share/wordnet/dict")

_lock = threading.Lock()
_readers: dict[str, Any] = {}


class WordNetMissing(MissingDependency):
    """WordNet 3.0 is not on this machine (a system package, not a pip extra)."""

    def __init__(self, detail: str) -> None:
        UserInputError.__init__(
            self, f"the meteor scorer needs WordNet 3.0 ({detail}): {INSTALL_HINT} "
                  "(or set ASSAY_WORDNET_DIR to a WordNet 3.0 dict directory)")
        self.package = "wordnet-base"
        self.extra = "meteor"


def _has_database(path: Path) -> bool:
    return all((path / name).is_file() for name in REQUIRED_FILES)


def _candidates(explicit: str | os.PathLike[str] | None) -> list[Path]:
    if explicit is not None:
        return [Path(explicit)]
    if os.environ.get("ASSAY_WORDNET_DIR"):
        return [Path(os.environ["ASSAY_WORDNET_DIR"])]
    dirs: list[Path] = []
    if os.environ.get("WNSEARCHDIR"):
        dirs.append(Path(os.environ["WNSEARCHDIR"]))
    if os.environ.get("WNHOME"):
        dirs.append(Path(os.environ["WNHOME"]) / "dict")
    dirs.extend(Path(d) for d in SYSTEM_DIRS)
    return dirs


def _cache_root() -> Path:
    return Path(os.environ.get("ASSAY_CACHE_DIR") or Path.home() / ".cache" / "assay") / "wordnet"


def _place(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` (atomically) unless an identical copy is there already."""
    try:
        st_src, st_dest = src.stat(), dest.lstat()
        if (st_src.st_size == st_dest.st_size and st_src.st_mtime == st_dest.st_mtime
                and not dest.is_symlink() and st_dest.st_nlink == 1):
            return
    except OSError:
        pass
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        shutil.copy2(src, tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _assemble(source: Path) -> Path:
    """A directory with copies of ``source``'s database files and assay's ``lexnames``.

    Copies (about 37 MB, made once), not links: nltk refuses to open a corpus file
    that is a symbolic link out of its root or has several hard links.
    """
    if not LEXNAMES.is_file():
        raise RuntimeError(f"assay's data file {LEXNAMES} is missing: the package was built "
                           "without 'scorers/data/lexnames' in its package data")
    key = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:16]
    wanted = [name for name in REQUIRED_FILES + OPTIONAL_FILES if (source / name).is_file()]
    for root in (_cache_root(), Path(tempfile.gettempdir()) / f"assay-wordnet-{os.getuid()}"):
        target = root / key
        try:
            target.mkdir(parents=True, exist_ok=True)
            for name in wanted:
                _place((source / name).resolve(), target / name)
            _place(LEXNAMES, target / "lexnames")
            return target
        except OSError:
            continue
    raise WordNetMissing(f"could not assemble a WordNet directory from {source}")


def _authorize(root: Path) -> None:
    """Add ``root`` to ``nltk.data.path``: nltk (3.9+) opens corpus files only under it."""
    import nltk.data

    text = str(root.resolve())
    if text not in [str(p) for p in nltk.data.path]:
        nltk.data.path.append(text)


def find_wordnet_dir(wordnet_dir: str | os.PathLike[str] | None = None) -> Any:
    """The directory (a ``str``, or nltk's path pointer) a ``WordNetCorpusReader`` should read."""
    candidates = _candidates(wordnet_dir)
    for path in candidates:
        if path.is_dir() and _has_database(path):
            target = _assemble(path)
            _authorize(target.parent)
            return str(target)
    if wordnet_dir is not None or os.environ.get("ASSAY_WORDNET_DIR"):
        missing = [n for n in REQUIRED_FILES if not (candidates[0] / n).is_file()]
        raise WordNetMissing(f"{candidates[0]} lacks {', '.join(missing) or 'the database'}")
    try:
        import nltk.data

        for resource in ("corpora/wordnet", "corpora/wordnet.zip/wordnet/"):
            try:
                return nltk.data.find(resource)
            except LookupError:
                continue
    except ImportError:  # pragma: no cover - nltk is checked before this is called
        pass
    raise WordNetMissing("not found in " + ", ".join(str(p) for p in candidates)
                         + " or nltk's data")


def load_wordnet(wordnet_dir: str | os.PathLike[str] | None = None) -> Any:
    """A shared nltk ``WordNetCorpusReader`` over WordNet 3.0 (loaded once per directory)."""
    try:
        from nltk.corpus.reader.wordnet import WordNetCorpusReader
    except ImportError:
        raise MissingDependency("nltk", "nltk", "the meteor scorer") from None

    class WordNet30Reader(WordNetCorpusReader):
        """nltk's reader, minus the mapping from nltk's own ``wordnet`` corpus.

        nltk 3.9+ maps synsets from its downloadable ``wordnet`` corpus (WordNet 3.0)
        to the loaded one at start-up, for the Open Multilingual Wordnet only; for a
        WordNet 3.0 database that mapping is the identity, and computing it would
        need nltk's copy, which is exactly what is not installed here.
        """

        def map_wn(self, version: str = "wordnet") -> Any:
            if version == "wordnet" and self.get_version() == "3.0":
                return None
            return super().map_wn(version)
    root = find_wordnet_dir(wordnet_dir)
    key = str(root)
    with _lock:
        reader = _readers.get(key)
        if reader is None:
            with warnings.catch_warnings():
                # "The multilingual functions are not available": no Open Multilingual Wordnet.
                warnings.simplefilter("ignore", UserWarning)
                try:
                    reader = WordNet30Reader(root, None)
                except (OSError, ValueError, AssertionError) as exc:
                    raise WordNetMissing(f"{root} is not a readable WordNet 3.0: {exc}") from None
            version = reader.get_version()
            if version != "3.0":
                raise WordNetMissing(f"{root} holds WordNet {version}, not 3.0")
            _readers[key] = reader
    return reader
