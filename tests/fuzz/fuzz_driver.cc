// A stand-in for libFuzzer's main(), so that every build runs the fuzz targets as tests: it
// feeds LLVMFuzzerTestOneInput each seed, then inputs made from them by deterministic
// mutations (no coverage feedback; a clang build with libFuzzer does the real search, see
// README.md). An input that crashes the process is saved before the crash is re-raised, and
// files given on the command line are replayed as they are, as libFuzzer does.
//
//   fuzz_TARGET [--runs N] [--max-len BYTES] [--seed N] [--dict FILE] PATH...
//
// PATH: seed files, or folders whose files are seeds. --dict: libFuzzer's dictionary format
// (one "token" per line, # comments), tokens the mutations insert.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Bytes = std::string;

// The input being run, and where to save it, for the crash handler.
const char* volatile current_data = nullptr;
volatile size_t current_size = 0;
std::string crash_file;   // "<program name>-crash-input" in the current folder.
std::string crash_note;  // What the handler prints.

void write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Async-signal-safe: saves the input to crash_file, says so, and dies of the same signal.
void on_crash(int signal) {
  const int fd = ::open(crash_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    write_all(fd, current_data, current_size);
    ::close(fd);
  }
  write_all(2, crash_note.data(), crash_note.size());
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

// The handler runs on a stack of its own: a stack overflow is one of the crashes to catch.
void install_crash_handler(const std::string& program) {
  const size_t slash = program.rfind('/');
  crash_file = program.substr(slash == std::string::npos ? 0 : slash + 1) + "-crash-input";
  crash_note = "\nfuzz driver: the input that crashed is saved in " + crash_file +
               " (replay: pass it as the only argument)\n";
  static std::vector<char> stack(1 << 16);
  stack_t alternate{};
  alternate.ss_sp = stack.data();
  alternate.ss_size = stack.size();
  ::sigaltstack(&alternate, nullptr);
  struct sigaction action {};
  action.sa_handler = on_crash;
  action.sa_flags = SA_ONSTACK;
  for (int signal : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) ::sigaction(signal, &action, nullptr);
}

void run_one(const Bytes& input) {
  current_data = input.data();
  current_size = input.size();
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

Bytes read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// The files of a folder, sorted so that runs are reproducible.
std::vector<std::string> files_in(const std::string& folder) {
  std::vector<std::string> paths;
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) throw std::runtime_error("cannot list " + folder);
  while (const dirent* entry = ::readdir(dir)) {
    const std::string path = folder + "/" + entry->d_name;
    if (entry->d_name[0] != '.' && !is_directory(path)) paths.push_back(path);
  }
  ::closedir(dir);
  std::sort(paths.begin(), paths.end());
  return paths;
}

// Tokens of a libFuzzer dictionary: the quoted part of each line, with \\, \" and \xNN escapes.
std::vector<Bytes> read_dictionary(const std::string& path) {
  std::vector<Bytes> tokens;
  std::istringstream lines(read_file(path));
  for (std::string line; std::getline(lines, line);) {
    const size_t open = line.find('"');
    const size_t close = line.rfind('"');
    if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open) continue;
    Bytes token;
    for (size_t i = open + 1; i < close; ++i) {
      if (line[i] == '\\' && i + 1 < close && line[i + 1] == 'x' && i + 3 < close) {
        token += static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16));
        i += 3;
      } else if (line[i] == '\\' && i + 1 < close) {
        token += line[++i];
      } else {
        token += line[i];
      }
    }
    tokens.push_back(token);
  }
  return tokens;
}

// splitmix64: small, fast, and the same sequence on every machine.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t bound) { return bound == 0 ? 0 : static_cast<size_t>(next() % bound); }
  // Between 1 and `bound`, small values as likely as large ones on a log scale: mutations
  // must reach both one more byte and tens of thousands more.
  size_t log_scale(size_t bound) {
    if (bound <= 1) return 1;
    const size_t bits = 64 - static_cast<size_t>(__builtin_clzll(bound));
    const size_t top = size_t{1} << below(bits + 1);
    return 1 + below(std::min(top, bound));
  }

 private:
  uint64_t state_;
};

// Values that reach the edges of length and count checks, as 8 little-endian bytes.
const uint64_t kInterestingValues[] = {0,
                                       1,
                                       0x7F,
                                       0x80,
                                       0xFF,
                                       0xFFFF,
                                       0x7FFFFFFF,
                                       0x80000000,
                                       0xFFFFFFFF,
                                       0x100000000ULL,
                                       1ULL << 61,
                                       (1ULL << 61) + 1,
                                       1ULL << 63,
                                       0x7FFFFFFFFFFFFFFFULL,
                                       0xFFFFFFFFFFFFFFF0ULL,
                                       0xFFFFFFFFFFFFFFF8ULL,
                                       0xFFFFFFFFFFFFFFFFULL};

class Mutator {
 public:
  Mutator(Random& random, const std::vector<Bytes>& dictionary, size_t max_len)
      : random_(random), dictionary_(dictionary), max_len_(max_len) {}

  // One to four mutations of `input`, within max_len bytes; `donor` is for cross-overs.
  Bytes mutate(Bytes input, const Bytes& donor) {
    const size_t count = 1 + random_.below(4);
    for (size_t i = 0; i < count; ++i) mutate_once(input, donor);
    if (input.size() > max_len_) input.resize(max_len_);
    return input;
  }

 private:
  void mutate_once(Bytes& input, const Bytes& donor) {
    const size_t room = max_len_ > input.size() ? max_len_ - input.size() : 0;
    switch (random_.below(9)) {
      case 0:  // Flip a bit.
        if (!input.empty()) input[random_.below(input.size())] ^= static_cast<char>(1 << random_.below(8));
        break;
      case 1:  // Set a byte to anything.
        if (!input.empty()) input[random_.below(input.size())] = static_cast<char>(random_.next());
        break;
      case 2:  // Insert random bytes.
        input.insert(random_.below(input.size() + 1), random_bytes(random_.log_scale(std::min<size_t>(room, 16))));
        break;
      case 3:  // Erase a range.
        if (!input.empty()) {
          const size_t at = random_.below(input.size());
          input.erase(at, random_.log_scale(input.size() - at));
        }
        break;
      case 4: {  // Repeat a piece many times: long names, runs of spaces, deep nesting.
        if (input.empty() || room == 0) break;
        const size_t at = random_.below(input.size());
        const Bytes piece = input.substr(at, random_.log_scale(std::min<size_t>(input.size() - at, 8)));
        const size_t times = random_.log_scale(room / piece.size());
        Bytes repeated;
        repeated.reserve(piece.size() * times);
        for (size_t i = 0; i < times; ++i) repeated += piece;
        input.insert(at, repeated);
        break;
      }
      case 5:  // Insert a dictionary token.
        if (!dictionary_.empty())
          input.insert(random_.below(input.size() + 1), dictionary_[random_.below(dictionary_.size())]);
        break;
      case 6: {  // Overwrite 8 bytes with a value at an edge.
        uint64_t value = kInterestingValues[random_.below(std::size(kInterestingValues))];
        if (random_.below(2) == 0) value = __builtin_bswap64(value);
        if (input.size() < sizeof value) break;
        std::memcpy(&input[random_.below(input.size() - sizeof value + 1)], &value, sizeof value);
        break;
      }
      case 7:  // Splice in a piece of another input.
        if (!donor.empty()) {
          const size_t from = random_.below(donor.size());
          input.insert(random_.below(input.size() + 1),
                       donor.substr(from, random_.log_scale(donor.size() - from)));
        }
        break;
      default:  // Cut the end off.
        if (!input.empty()) input.resize(random_.below(input.size()));
        break;
    }
  }

  Bytes random_bytes(size_t count) {
    Bytes bytes(count, '\0');
    for (auto& byte : bytes) byte = static_cast<char>(random_.next());
    return bytes;
  }

  Random& random_;
  const std::vector<Bytes>& dictionary_;
  const size_t max_len_;
};

struct Options {
  size_t runs = 10'000;
  size_t max_len = 4096;
  uint64_t seed = 1;
  std::string dictionary;
  std::vector<std::string> paths;
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--runs" && has_value) {
      options.runs = std::stoull(argv[++i]);
    } else if (arg == "--max-len" && has_value) {
      options.max_len = std::stoull(argv[++i]);
    } else if (arg == "--seed" && has_value) {
      options.seed = std::stoull(argv[++i]);
    } else if (arg == "--dict" && has_value) {
      options.dictionary = argv[++i];
    } else if (arg.rfind("--", 0) == 0) {
      throw std::invalid_argument("unknown option " + arg);
    } else {
      options.paths.push_back(arg);
    }
  }
  if (options.paths.empty()) throw std::invalid_argument("no seed files or folders given");
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::vector<Bytes> seeds;
  std::vector<Bytes> dictionary;
  bool replay = false;
  try {
    options = parse_options(argc, argv);
    for (const auto& path : options.paths) {
      if (is_directory(path)) {
        for (const auto& file : files_in(path)) seeds.push_back(read_file(file));
      } else {
        seeds.push_back(read_file(path));
        replay = true;
      }
    }
    if (!options.dictionary.empty()) dictionary = read_dictionary(options.dictionary);
  } catch (const std::exception& error) {
    std::cerr << argv[0] << ": " << error.what() << "\n"
              << "usage: " << argv[0]
              << " [--runs N] [--max-len BYTES] [--seed N] [--dict FILE] PATH...\n";
    return 2;
  }
  install_crash_handler(argv[0]);
  for (const auto& seed : seeds) run_one(seed);
  if (replay) {
    std::cout << "replayed " << seeds.size() << " inputs\n";
    return 0;
  }
  if (seeds.empty()) seeds.emplace_back();
  // Mutated inputs build on the seeds and on recent inputs, so that growth accumulates.
  Random random(options.seed);
  Mutator mutator(random, dictionary, options.max_len);
  std::vector<Bytes> recent(seeds.begin(), seeds.end());
  size_t largest = 0;
  for (size_t run = 0; run < options.runs; ++run) {
    const Bytes& base = random.below(2) == 0 ? seeds[random.below(seeds.size())]
                                             : recent[random.below(recent.size())];
    Bytes input = mutator.mutate(base, seeds[random.below(seeds.size())]);
    run_one(input);
    largest = std::max(largest, input.size());
    if (recent.size() < 64) {
      recent.push_back(std::move(input));
    } else {
      recent[random.below(recent.size())] = std::move(input);
    }
  }
  std::cout << "ran " << seeds.size() << " seeds and " << options.runs
            << " mutated inputs (largest " << largest << " bytes, seed " << options.seed
            << ") without a crash\n";
  return 0;
}
