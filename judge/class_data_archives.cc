#include "judge/class_data_archives.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "judge/compile_cache.h"
#include "judge/host_command.h"
#include "sandbox/fs_util.h"

namespace codearena::judge {
namespace {

using sandbox::path_exists;

std::string archive_path(const Language& language, const std::string& dir) {
  return dir + "/" + language.id + "/classes.jsa";
}

std::string with_archive(const std::string& option, const std::string& path) {
  return replace_all(option, "{archive}", path);
}

// Compiles the sample with the "create" option in a scratch directory, so that the compiler's
// JVM writes the archive at exit; false when the compiler failed or wrote none.
bool build(const Language& language, const std::string& archive) {
  const auto scratch = name_of_this_process(archive + ".sample");
  sandbox::make_dirs(scratch);
  CommandValues values;
  values.main_class = find_main_class(language, language.class_data_archive.sample);
  values.source = expand_command({language.source_name}, values).at(0);
  values.memory_mb = language.default_limits.memory_bytes >> 20;
  values.heap_reserve_mb = language.heap_reserve_mb;
  const auto temporary = name_of_this_process(archive);
  values.class_data_archive = with_archive(language.class_data_archive.create, temporary);
  sandbox::write_text_file_create(scratch + "/" + values.source,
                                  language.class_data_archive.sample);
  const bool built = run_host_command(expand_command(language.compile, values), scratch) &&
                     ::rename(temporary.c_str(), archive.c_str()) == 0;
  ::unlink(temporary.c_str());
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  return built;
}

}  // namespace

std::string prepare_class_data_archives(const LanguageTable& languages, const std::string& dir) {
  std::string report;
  if (dir.empty()) return report;
  for (const auto& language : languages.all()) {
    if (!language.class_data_archive.wanted()) continue;
    sandbox::make_dirs(dir + "/" + language.id);
    // The archive holds only what this JVM and these options load: a new toolchain or command
    // needs a new one.
    const auto stamp =
        dir + "/" + language.id + "/classes-" +
        CompileCache::key({language.version, CompileCache::command_key_part(language.compile),
                           language.class_data_archive.create});
    report += build_once(language.id, "class-data archive", stamp, language.version,
                         [&] { return build(language, archive_path(language, dir)); });
  }
  return report;
}

std::string class_data_archive_option(const Language& language, const std::string& dir) {
  if (dir.empty() || !language.class_data_archive.wanted()) return "";
  const auto archive = archive_path(language, dir);
  if (!path_exists(archive)) return "";
  return with_archive(language.class_data_archive.use, archive);
}

}  // namespace codearena::judge
