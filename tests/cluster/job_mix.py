"""Jobs with known verdicts in every language, for loading a cluster: accepted programs with
test cases (some sleeping, so that slots stay busy), wrong answers, time limits, runtime errors
and compilation errors. Every job's source is unique, so each compiled job really compiles."""
import collections

MixJob = collections.namedtuple("MixJob", "name spec verdict")

SLOW_SECONDS = 0.8  # how long a slow job sleeps: long enough to be caught running
TIME_LIMIT = {"python": "300ms", "javascript": "500ms", "c": "300ms", "cpp": "300ms",
              "java": "1s"}

# Per language: sources by kind, formatted with k (the job's own multiplier) and the sleep of
# slow ones (slow in seconds, slow_us in microseconds).
# Every accepted or wrong program reads n and prints n * k (wrong ones add 1).
SOURCES = {
    "python": {
        "AC": "k = {k}\nprint(int(input()) * k)\n",
        "slow": "import time\nk = {k}\ntime.sleep({slow})\nprint(int(input()) * k)\n",
        "WA": "k = {k}\nprint(int(input()) * k + 1)\n",
        "TLE": "k = {k}\nwhile k:\n    k += 1\n",
        "RE": "k = {k}\nraise ValueError(k)\n",
    },
    "javascript": {
        "AC": "const k = {k};\nconsole.log(Number(require('fs').readFileSync(0, 'utf8')) * k);\n",
        "slow": "const k = {k};\nconst n = Number(require('fs').readFileSync(0, 'utf8'));\n"
                "setTimeout(() => console.log(n * k), {slow} * 1000);\n",
        "WA": "const k = {k};\n"
              "console.log(Number(require('fs').readFileSync(0, 'utf8')) * k + 1);\n",
        "TLE": "let k = {k};\nwhile (k) k++;\n",
        "RE": "const k = {k};\nthrow new Error('k = ' + k);\n",
    },
    "c": {
        "AC": "#include <stdio.h>\nint main(void) {{ long n; scanf(\"%ld\", &n); "
              "printf(\"%ld\\n\", n * {k}); return 0; }}\n",
        "slow": "#define _DEFAULT_SOURCE\n#include <stdio.h>\n#include <unistd.h>\n"
                "int main(void) {{ long n; scanf(\"%ld\", &n); usleep({slow_us}); "
                "printf(\"%ld\\n\", n * {k}); return 0; }}\n",
        "WA": "#include <stdio.h>\nint main(void) {{ long n; scanf(\"%ld\", &n); "
              "printf(\"%ld\\n\", n * {k} + 1); return 0; }}\n",
        "TLE": "int main(void) {{ volatile long k = {k}; for (;;) k++; }}\n",
        "RE": "#include <stdlib.h>\nint main(void) {{ volatile int *p = NULL; "
              "return *p + {k}; }}\n",
        "CE": "int main(void) {{ return {k} +; }}\n",
    },
    "cpp": {
        "AC": "#include <iostream>\nint main() {{ long n; std::cin >> n; "
              "std::cout << n * {k} << '\\n'; }}\n",
        "slow": "#include <chrono>\n#include <iostream>\n#include <thread>\nint main() {{ long n; "
                "std::cin >> n; std::this_thread::sleep_for(std::chrono::duration<double>({slow}));"
                " std::cout << n * {k} << '\\n'; }}\n",
        "WA": "#include <iostream>\nint main() {{ long n; std::cin >> n; "
              "std::cout << n * {k} + 1 << '\\n'; }}\n",
        "TLE": "int main() {{ volatile long k = {k}; for (;;) k = k + 1; }}\n",
        "RE": "#include <stdexcept>\nint main() {{ throw std::runtime_error(\"k{k}\"); }}\n",
        "CE": "int main() {{ return {k} +; }}\n",
    },
    "java": {
        "AC": "public class Main {{ public static void main(String[] a) {{ "
              "long n = new java.util.Scanner(System.in).nextLong(); "
              "System.out.println(n * {k}L); }} }}\n",
        "WA": "public class Main {{ public static void main(String[] a) {{ "
              "long n = new java.util.Scanner(System.in).nextLong(); "
              "System.out.println(n * {k}L + 1); }} }}\n",
        "TLE": "public class Main {{ public static void main(String[] a) {{ "
               "long k = {k}L; while (k != 0) k++; }} }}\n",
        "RE": "public class Main {{ public static void main(String[] a) {{ "
              "throw new IllegalStateException(\"k{k}\"); }} }}\n",
        "CE": "public class Main {{ public static void main(String[] a) {{ int k = {k} }} }}\n",
    },
}

# Kinds in the order each language cycles through them; accepted programs come most often.
CYCLES = {
    "python": ["AC", "slow", "WA", "AC", "TLE", "RE", "slow", "AC"],
    "javascript": ["AC", "WA", "slow", "TLE", "RE"],
    "c": ["AC", "slow", "WA", "TLE", "AC", "RE", "CE", "slow"],
    "cpp": ["AC", "WA", "slow", "RE", "CE", "TLE"],
    "java": ["AC", "WA", "RE", "CE", "TLE"],
}

# Shares of a mix: mostly python and C, few Java (a JVM compile and run is slow on 2 cores).
SHARES = (("python", 0.40), ("c", 0.30), ("javascript", 0.12), ("cpp", 0.10), ("java", 0.08))


def make_job(language, kind, k, callback_url=None):
    """One job of the given language and kind ("AC", "slow", "WA", "TLE", "RE", "CE")."""
    spec = {"language": language,
            "code": SOURCES[language][kind].format(k=k, slow=SLOW_SECONDS,
                                                   slow_us=round(SLOW_SECONDS * 1e6))}
    if kind in ("AC", "slow", "WA"):
        spec["testCases"] = [{"input": str(n), "expectedOutput": str(n * k)} for n in (1, 2, 3)]
    if kind == "TLE":
        spec["limits"] = {"time": TIME_LIMIT[language]}
    if callback_url:
        spec["callbackUrl"] = callback_url
    verdict = "AC" if kind == "slow" else kind
    return MixJob(f"{language}-{kind}-{k}", spec, verdict)


def mixed_jobs(count=200, callback_url=None):
    """count jobs in the SHARES, each language spread evenly over the list so that any stretch
    of it is mixed."""
    amounts = {language: round(count * share) for language, share in SHARES}
    amounts["python"] += count - sum(amounts.values())
    placed = []
    for index, (language, amount) in enumerate(amounts.items()):
        cycle = CYCLES[language]
        for i in range(amount):
            job = make_job(language, cycle[i % len(cycle)], k=(index + 1) * 1000 + i,
                           callback_url=callback_url)
            placed.append(((i + 0.5) / amount, index, job))
    return [job for _, _, job in sorted(placed, key=lambda entry: entry[:2])]
