"""A strict parser of the Prometheus text exposition format 0.0.4 (python3 standard library only).

    families = parse(text)
    families["http_requests_total"] == {
        "type": "counter",
        "help": "HTTP requests.",       # unescaped; None without a HELP line
        "samples": [("http_requests_total", {"method": "GET"}, 3.0), ...],
    }

Any violation raises ValueError("line N: ..."). It is stricter than Prometheus itself, so
that it catches what a careless writer gets away with: every sample needs the TYPE of its
family before it, a family's lines are contiguous and its HELP and TYPE come once and before
its samples, lines have no leading blanks, the text ends with a newline, counters are not
negative, histogram buckets come in ascending `le` order with cumulative counts, end with
le="+Inf" equal to `_count`, and come with `_sum` and `_count`.
"""
import math
import re

__all__ = ["parse"]

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_TIMESTAMP = re.compile(r"-?[0-9]+")
_BLANKS = " \t"

# The sample names of a family, as suffixes of its name.
_SUFFIXES = {
    "counter": ("",),
    "gauge": ("",),
    "untyped": ("",),
    "summary": ("", "_sum", "_count"),
    "histogram": ("_bucket", "_sum", "_count"),
}


class _LineError(ValueError):
    """A violation found inside one line; parse() adds the line number."""


def _parse_value(text):
    """Reads a sample value or `le` bound as Prometheus writes them (NaN, +Inf, -Inf, decimals)."""
    if text in ("NaN", "+Inf", "Inf", "-Inf"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    if not _FLOAT.fullmatch(text):
        raise _LineError(f"invalid number {text!r}")
    return float(text)


def _unescape(text, escapes, what):
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text) or text[i + 1] not in escapes:
                raise _LineError(f"invalid escape sequence in {what}: {text[i:i + 2]!r}")
            out.append(escapes[text[i + 1]])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _skip_blanks(line, pos):
    while pos < len(line) and line[pos] in _BLANKS:
        pos += 1
    return pos


def _expect(line, pos, char, what):
    if pos >= len(line) or line[pos] != char:
        found = repr(line[pos]) if pos < len(line) else "end of line"
        raise _LineError(f"expected {char!r} {what}, found {found}")
    return pos + 1


def _read_label_value(line, pos):
    """Reads a quoted label value from its opening quote; returns (value, position after it)."""
    pos = _expect(line, pos, '"', "to open a label value")
    out = []
    while True:
        if pos >= len(line):
            raise _LineError("unterminated label value")
        char = line[pos]
        if char == '"':
            return "".join(out), pos + 1
        if char == "\\":
            escaped = line[pos + 1] if pos + 1 < len(line) else ""
            if escaped not in ('\\', '"', "n"):
                raise _LineError(f"invalid escape sequence in label value: {line[pos:pos + 2]!r}")
            out.append("\n" if escaped == "n" else escaped)
            pos += 2
        else:
            out.append(char)
            pos += 1


def _read_labels(line, pos):
    """Reads `{name="value",...}` from its opening brace; returns (labels, position after it)."""
    labels = {}
    pos = _skip_blanks(line, pos + 1)
    while pos < len(line) and line[pos] != "}":
        name_match = _LABEL_NAME.match(line, pos)
        if not name_match:
            raise _LineError(f"invalid label name at column {pos + 1}")
        name = name_match.group()
        if name.startswith("__"):
            raise _LineError(f"label name {name!r} is reserved")
        if name in labels:
            raise _LineError(f"label {name!r} given twice")
        pos = _expect(line, _skip_blanks(line, name_match.end()), "=", f"after label {name!r}")
        labels[name], pos = _read_label_value(line, _skip_blanks(line, pos))
        pos = _skip_blanks(line, pos)
        if pos < len(line) and line[pos] == ",":
            pos = _skip_blanks(line, pos + 1)
        elif pos >= len(line) or line[pos] != "}":
            raise _LineError(f"expected ',' or '}}' after the value of label {name!r}")
    return labels, _expect(line, pos, "}", "to close the labels")


def _parse_sample(line):
    """Splits a sample line into (name, labels, value); the timestamp is checked and dropped."""
    name_match = _METRIC_NAME.match(line)
    if not name_match:
        raise _LineError("invalid metric name")
    pos = name_match.end()
    labels = {}
    if pos < len(line) and line[pos] == "{":
        labels, pos = _read_labels(line, pos)
    if pos >= len(line) or line[pos] not in _BLANKS:
        raise _LineError("expected a blank before the value")
    tokens = [token for token in re.split(r"[ \t]+", line[pos:]) if token]
    if not tokens or len(tokens) > 2:
        raise _LineError("expected a value and an optional timestamp")
    if len(tokens) == 2 and not _TIMESTAMP.fullmatch(tokens[1]):
        raise _LineError(f"invalid timestamp {tokens[1]!r}")
    return name_match.group(), labels, _parse_value(tokens[0])


class _Family:
    def __init__(self, name, line_number):
        self.name = name
        self.line_number = line_number  # of its first line
        self.type = None
        self.help = None
        self.samples = []
        self.histograms = {}  # labels without le -> _HistogramSeries

    def sample_names(self):
        return {self.name + suffix for suffix in _SUFFIXES[self.type]}


class _HistogramSeries:
    def __init__(self):
        self.last_le = None
        self.last_bucket = None
        self.inf_bucket = None
        self.count = None
        self.has_sum = False
        self.line = 0  # the series' last line, where a missing piece is reported


class _Parser:
    def __init__(self):
        self.families = {}
        self.current = None
        self.series = set()
        self.line_number = 0

    def fail(self, message, line_number=None):
        raise ValueError(f"line {line_number or self.line_number}: {message}")

    def parse(self, text):
        if text and not text.endswith("\n"):
            self.fail("the text does not end with a newline", text.count("\n") + 1)
        for self.line_number, line in enumerate(text.split("\n")[:-1], start=1):
            try:
                self.parse_line(line)
            except _LineError as error:
                self.fail(str(error))
        self.close_current()
        return {
            name: {"type": family.type, "help": family.help, "samples": family.samples}
            for name, family in self.families.items()
        }

    def parse_line(self, line):
        if line == "":
            return
        if line[0] in _BLANKS:
            raise _LineError("line starts with a blank")
        if line[0] == "#":
            self.parse_comment(line)
        else:
            self.add_sample(*_parse_sample(line))

    def parse_comment(self, line):
        keyword_start = _skip_blanks(line, 1)
        keyword = re.match(r"[^ \t]*", line[keyword_start:]).group()
        if keyword not in ("HELP", "TYPE"):
            return  # an ordinary comment
        name_start = _skip_blanks(line, keyword_start + len(keyword))
        name_match = _METRIC_NAME.match(line, name_start)
        rest_start = name_match.end() if name_match else name_start
        if not name_match or (rest_start < len(line) and line[rest_start] not in _BLANKS):
            raise _LineError(f"invalid metric name in {keyword}")
        name, rest = name_match.group(), line[_skip_blanks(line, rest_start):]
        family = self.family_for_metadata(name, keyword)
        if keyword == "HELP":
            family.help = _unescape(rest, {"\\": "\\", "n": "\n"}, "HELP")
        else:
            self.set_type(family, rest.rstrip(_BLANKS))

    def set_type(self, family, type_name):
        if type_name not in _SUFFIXES:
            raise _LineError(f"unknown TYPE {type_name!r}")
        family.type = type_name
        for other in self.families.values():
            if other is family:
                continue
            taken = {other.name} | (other.sample_names() if other.type else set())
            clash = family.sample_names() & taken
            if clash:
                raise _LineError(f"family {family.name} clashes with {other.name} on {min(clash)}")

    def family_for_metadata(self, name, keyword):
        """The family a HELP or TYPE line describes: the current one, or a new one."""
        family = self.families.get(name)
        if family is not None and family is not self.current:
            raise _LineError(f"duplicate family {name} (lines not contiguous)")
        if family is None:
            self.close_current()
            family = self.current = self.families[name] = _Family(name, self.line_number)
        if family.samples:
            raise _LineError(f"{keyword} of {name} after its samples")
        if (family.help if keyword == "HELP" else family.type) is not None:
            raise _LineError(f"second {keyword} line for {name}")
        return family

    def add_sample(self, name, labels, value):
        family = self.current
        if family is None or family.type is None or name not in family.sample_names():
            for other in self.families.values():
                if other is not family and other.type and name in other.sample_names():
                    raise _LineError(f"duplicate family {other.name} (lines not contiguous)")
            raise _LineError(f"sample {name} before its TYPE")
        key = (name, frozenset(labels.items()))
        if key in self.series:
            raise _LineError(f"duplicate series {name}{labels}")
        self.series.add(key)
        if family.type == "counter" and value < 0:
            raise _LineError(f"counter {name} is negative")
        if family.type == "summary" and ("quantile" in labels) != (name == family.name):
            raise _LineError(f"summary sample {name} and its quantile label do not match")
        if family.type == "histogram":
            self.add_histogram_sample(family, name[len(family.name):], labels, value)
        family.samples.append((name, labels, value))

    def add_histogram_sample(self, family, suffix, labels, value):
        if ("le" in labels) != (suffix == "_bucket"):
            raise _LineError("the le label belongs to _bucket samples, and only to them")
        le = _parse_value(labels["le"]) if "le" in labels else None
        group = frozenset((k, v) for k, v in labels.items() if k != "le")
        series = family.histograms.setdefault(group, _HistogramSeries())
        series.line = self.line_number
        if suffix == "_sum":
            series.has_sum = True
        elif suffix == "_count":
            series.count = value
        else:
            if math.isnan(le):
                raise _LineError("bucket bound le is NaN")
            if series.last_le is not None and le <= series.last_le:
                raise _LineError(f"bucket le={labels['le']} does not follow le={series.last_le:g}")
            if not value >= (series.last_bucket or 0):  # also refuses NaN
                raise _LineError(f"bucket le={labels['le']} is not cumulative")
            series.last_le, series.last_bucket = le, value
            if le == math.inf:
                series.inf_bucket = value

    def close_current(self):
        """Checks what can only be checked once the current family has ended."""
        family = self.current
        if family is None:
            return
        if family.type is None:
            self.fail(f"family {family.name} has no TYPE", family.line_number)
        if family.type != "histogram":
            return
        for group, series in family.histograms.items():
            what = f"histogram {family.name}{dict(group)}"
            if series.inf_bucket is None:
                self.fail(f"{what} has no le=\"+Inf\" bucket", series.line)
            if series.count is None or not series.has_sum:
                self.fail(f"{what} lacks its _sum or _count", series.line)
            if series.count != series.inf_bucket:
                self.fail(f"{what}: _count {series.count:g} != +Inf bucket {series.inf_bucket:g}",
                          series.line)


def parse(text):
    """Parses exposition text into {family: {"type", "help", "samples"}}; see the module doc."""
    return _Parser().parse(text)
