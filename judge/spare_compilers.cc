#include "judge/spare_compilers.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <system_error>
#include <thread>

#include "judge/compile_cache.h"
#include "judge/host_command.h"
#include "sandbox/fs_util.h"
#include "sandbox/handover.h"
#include "spare_compiler_source.h"

namespace codearena::judge {
namespace {

constexpr char kProgram[] = "SpareCompiler";
// Class-data sharing takes classes from jars only, never from a directory.
constexpr char kJar[] = "SpareCompiler.jar";
// Where a spare's warm-up compiles go: the box's /tmp, never /box, whose class files are the
// job's artifacts.
constexpr char kWarmUpDir[] = "/tmp/warm-up";
// What the spare program prints once it is warm (judge/java/SpareCompiler.java).
constexpr char kReadyLine[] = "ready";
// CPU a spare may use to get ready (about 0.6 s on the reference machine).
constexpr int64_t kWarmUpCpuMs = 20'000;
// How long a language whose spare failed on its own waits before starting the next one.
constexpr auto kRetryDelay = std::chrono::seconds(10);
// The readiness is a flag the slot's thread sets; a waiter looks at it this often.
constexpr auto kReadyPollInterval = std::chrono::milliseconds(5);

// Everything that makes a built spare what it is: a new toolchain, command or program needs a
// new one, in a directory of its own.
std::string spare_key(const Language& language) {
  return CompileCache::key({language.version, CompileCache::command_key_part(language.compile),
                            language.class_data_archive.sample, kSpareCompilerSource})
      .substr(0, 16);
}

std::string spare_dir(const Language& language, const std::string& dir) {
  return dir + "/" + language.id + "/spare-" + spare_key(language);
}

std::string sample_path(const Language& language, const std::string& spare) {
  return spare + "/sample/" + find_main_class(language, language.class_data_archive.sample) +
         ".java";
}

// A class-data archive option of the table (javac's syntax, "-J-XX:...") as the JVM's own.
std::string jvm_option(const std::string& javac_option, const std::string& archive) {
  const auto option = replace_all(javac_option, "{archive}", archive);
  return option.rfind("-J", 0) == 0 ? option.substr(2) : option;
}

// The spare's command: the JVM with the compile command's -J options and `archive_option`, the
// spare program with its sample and `warm_up_dir`, and javac's options from the compile command
// (its source argument left out: the job's source is named at the hand-over), without
// annotation processing.
std::vector<std::string> spare_command(const Language& language, const std::string& spare,
                                       const std::string& archive_option,
                                       const std::string& warm_up_dir) {
  CommandValues values;
  values.main_class = find_main_class(language, language.class_data_archive.sample);
  const auto compile = expand_command(language.compile, values);
  std::vector<std::string> command = {language.spare_compiler.jvm};
  std::vector<std::string> javac_options;
  for (size_t i = 1; i < compile.size(); ++i) {
    if (compile[i].rfind("-J", 0) == 0) {
      command.push_back(compile[i].substr(2));
    } else {
      javac_options.push_back(compile[i]);
    }
  }
  if (!archive_option.empty()) command.push_back(archive_option);
  command.insert(command.end(), {"-cp", spare + "/" + kJar, kProgram, sample_path(language, spare),
                                 std::to_string(language.spare_compiler.warmups), warm_up_dir});
  command.insert(command.end(), javac_options.begin(), javac_options.end());
  command.push_back("-proc:none");
  return command;
}

// Compiles the spare program into a jar (with the JDK's jar tool, run by the spare's JVM) and
// writes the sample, in a scratch directory renamed into place; then runs the spare once on the
// host with the archive's "create" option: it warms up, finds no job on its stdin (/dev/null)
// and exits, and its JVM writes the archive. The archive is only for speed: the spare is ready
// without it.
bool build(const Language& language, const std::string& spare) {
  const auto scratch = name_of_this_process(spare);
  const auto classes = scratch + "/classes";
  const auto source = scratch + "/" + kProgram + ".java";
  sandbox::make_dirs(scratch + "/sample");
  sandbox::write_text_file_create(source, kSpareCompilerSource);
  sandbox::write_text_file_create(sample_path(language, scratch),
                                  language.class_data_archive.sample);
  const bool compiled =
      run_host_command({language.compile.at(0), "-d", classes, source}, scratch) &&
      run_host_command({language.spare_compiler.jvm, "-m", "jdk.jartool/sun.tools.jar.Main",
                        "--create", "--file", scratch + "/" + kJar, "-C", classes, "."},
                       scratch);
  std::error_code ignored;
  std::filesystem::remove_all(classes, ignored);
  if (!compiled || (::rename(scratch.c_str(), spare.c_str()) != 0 && errno != ENOTEMPTY &&
                    errno != EEXIST)) {
    std::filesystem::remove_all(scratch, ignored);
    return false;
  }
  std::filesystem::remove_all(scratch, ignored);  // Left only when another process built it.
  const auto archive = spare + "/classes.jsa";
  const auto temporary = name_of_this_process(archive);
  const auto warm_up = name_of_this_process(spare + "/warm-up");
  run_host_command(spare_command(language, spare,
                                 jvm_option(language.class_data_archive.create, temporary), warm_up),
                   spare);
  std::filesystem::remove_all(warm_up, ignored);
  if (::rename(temporary.c_str(), archive.c_str()) != 0) ::unlink(temporary.c_str());
  return true;
}

}  // namespace

std::string prepare_spare_compilers(const LanguageTable& languages, const std::string& dir) {
  std::string report;
  if (dir.empty()) return report;
  for (const auto& language : languages.all()) {
    if (!language.spare_compiler.wanted()) continue;
    sandbox::make_dirs(dir + "/" + language.id);
    const auto spare = spare_dir(language, dir);
    report += build_once(language.id, "spare compiler", spare + ".stamp", language.version,
                         [&] { return build(language, spare); });
  }
  return report;
}

class SpareCompilers::Keeper {
 public:
  Keeper(sandbox::Sandbox& sandbox, const Language& language, sandbox::RunRequest base,
         int64_t max_wait_ms)
      : language_(language),
        sandbox_(sandbox),
        base_(std::move(base)),
        max_wait_ms_(max_wait_ms),
        thread_([this] { keep_one_ready(); }) {}

  ~Keeper() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      if (live_) live_->token->cancel();
    }
    stopped_.notify_all();
    thread_.join();
  }

  const Language& language() const { return language_; }

  bool wait_until_ready(std::chrono::steady_clock::time_point deadline) {
    while (!ready()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(kReadyPollInterval);
    }
    return true;
  }
  int64_t compilations() const { return compilations_.load(); }

  bool ready() {
    std::lock_guard<std::mutex> lock(mutex_);
    return live_ && !live_->taken && live_->handover->ready();
  }

  std::optional<sandbox::RunResult> compile(
      const std::string& source_name, const std::string& source,
      const std::shared_ptr<sandbox::CancelToken>& cancel_token) {
    std::string input = source_name + "\n" + source;
    std::shared_ptr<Spare> spare;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // A source its pipe cannot hold goes the cold way and leaves the spare for the next job.
      if (!live_ || live_->taken || !live_->handover->ready() ||
          input.size() > live_->handover->pipe_capacity())
        return std::nullopt;
      spare = live_;
      spare->taken = true;
    }
    if (!spare->handover->hand_over(std::move(input))) {
      spare->token->cancel();
      return std::nullopt;
    }
    const auto forward_cancel =
        cancel_token ? cancel_token->on_cancel([token = spare->token] { token->cancel(); })
                     : sandbox::CancelToken::Subscription();
    sandbox::RunResult run = spare->result.get();
    // A spare that ended as its source came (before it read it) compiled nothing of the job's.
    if (!spare->handover->delivered() || spare->handover->unread_bytes() > 0) return std::nullopt;
    ++compilations_;
    return run;
  }

 private:
  struct Spare {
    std::shared_ptr<sandbox::Handover> handover;
    std::shared_ptr<sandbox::CancelToken> token;  // Ends the spare: replaced, stopped, cancelled.
    std::promise<sandbox::RunResult> ended;
    std::future<sandbox::RunResult> result = ended.get_future();  // Read by the job that took it.
    bool taken = false;  // Handed to a job (guarded by the keeper's mutex).
  };

  // One spare after another, each started once the last one's run ended: after its job's
  // compilation, so that a warm-up never competes with the compilation it follows.
  void keep_one_ready() {
    while (!stop_requested()) {
      bool failed_alone = false;
      try {
        failed_alone = run_one_spare();
      } catch (const std::exception&) {
        failed_alone = true;  // No descriptors or threads left: wait for the node to recover.
      }
      if (failed_alone) {
        std::unique_lock<std::mutex> lock(mutex_);
        stopped_.wait_for(lock, kRetryDelay, [&] { return stopping_; });
      }
    }
  }

  // Runs one spare until it ends; true when it ended on its own before any job (it failed).
  bool run_one_spare() {
    auto spare = std::make_shared<Spare>();
    spare->handover = std::make_shared<sandbox::Handover>(kReadyLine, kWarmUpCpuMs, max_wait_ms_);
    spare->token = std::make_shared<sandbox::CancelToken>();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return false;
      live_ = spare;
    }
    sandbox::RunRequest request = base_;
    request.handover = spare->handover;
    request.cancel_token = spare->token;
    sandbox::RunResult run;
    try {
      run = sandbox_.run(request);
    } catch (const std::exception& error) {
      run.message = error.what();
    }
    bool taken = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      live_.reset();
      taken = spare->taken;
    }
    const bool failed_alone = !taken && run.status != sandbox::RunStatus::kWallTimeLimit &&
                              run.status != sandbox::RunStatus::kCancelled;
    spare->ended.set_value(std::move(run));
    return failed_alone;
  }

  bool stop_requested() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stopping_;
  }

  const Language& language_;
  sandbox::Sandbox& sandbox_;
  const sandbox::RunRequest base_;
  const int64_t max_wait_ms_;
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::shared_ptr<Spare> live_;  // The spare whose run is in progress, if any.
  std::atomic<int64_t> compilations_{0};
  std::thread thread_;  // Last: starts once everything above is set.
};

SpareCompilers::SpareCompilers(sandbox::Sandbox& sandbox, const LanguageTable& languages,
                               std::string dir, std::optional<int64_t> compile_time_ms,
                               int64_t max_wait_ms) {
  for (const auto& language : languages.all()) {
    if (!language.spare_compiler.wanted() || dir.empty()) continue;
    const auto spare = spare_dir(language, dir);
    if (!sandbox::path_exists(spare + ".stamp")) continue;
    const auto archive = spare + "/classes.jsa";
    sandbox::RunRequest base;
    base.argv = spare_command(
        language, spare,
        sandbox::path_exists(archive) ? jvm_option(language.class_data_archive.use, archive) : "",
        kWarmUpDir);
    base.collect = language.artifacts;
    base.limits = language.compile_limits;
    if (compile_time_ms) base.limits.cpu_ms = *compile_time_ms;
    base.network_calls = language.network_calls;
    keepers_.push_back(std::make_unique<Keeper>(sandbox, language, std::move(base), max_wait_ms));
  }
}

SpareCompilers::~SpareCompilers() = default;

std::optional<sandbox::RunResult> SpareCompilers::compile(
    const Language& language, const std::string& source_name, const std::string& source,
    const std::shared_ptr<sandbox::CancelToken>& cancel_token) {
  for (auto& keeper : keepers_) {
    if (keeper->language().id == language.id)
      return keeper->compile(source_name, source, cancel_token);
  }
  return std::nullopt;
}

bool SpareCompilers::wait_until_ready(const std::string& language_id,
                                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& keeper : keepers_) {
    if (keeper->language().id == language_id) return keeper->wait_until_ready(deadline);
  }
  return false;
}

std::string SpareCompilers::languages() const {
  std::string ids;
  for (const auto& keeper : keepers_) ids += (ids.empty() ? "" : ",") + keeper->language().id;
  return ids;
}

int64_t SpareCompilers::compilations() const {
  int64_t total = 0;
  for (const auto& keeper : keepers_) total += keeper->compilations();
  return total;
}

}  // namespace codearena::judge
