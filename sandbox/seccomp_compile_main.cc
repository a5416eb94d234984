// codearena-seccomp-compile FILE: writes FILE, a C++ source defining
// precompiled_seccomp_filter() (sandbox/precompiled_filters.h) with the two programs
// build_seccomp_filter() compiles now. Run by the build; exits 1 with a message on failure.
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>

#include "sandbox/seccomp_policy.h"

namespace {

std::string byte_array(const char* name, const std::string& bytes) {
  std::string text = "const unsigned char " + std::string(name) + "[] = {";
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i % 16 == 0) text += "\n   ";
    char hex[8];
    std::snprintf(hex, sizeof hex, " 0x%02x,", static_cast<unsigned char>(bytes[i]));
    text += hex;
  }
  return text + "\n};\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: codearena-seccomp-compile OUTPUT.cc\n");
    return 2;
  }
  try {
    std::ofstream out(argv[1], std::ios::trunc);
    out << "// Written by codearena-seccomp-compile (sandbox/seccomp_compile_main.cc) at build "
           "time.\n#include \"sandbox/precompiled_filters.h\"\n\n"
           "namespace codearena::sandbox {\nnamespace {\n\n"
        << byte_array("kPlain", codearena::sandbox::build_seccomp_filter(false)) << "\n"
        << byte_array("kRefusing", codearena::sandbox::build_seccomp_filter(true))
        << "\n}  // namespace\n\n"
           "const std::string& precompiled_seccomp_filter(bool refuse_sockets) {\n"
           "  static const std::string plain(reinterpret_cast<const char*>(kPlain), "
           "sizeof kPlain);\n"
           "  static const std::string refusing(reinterpret_cast<const char*>(kRefusing), "
           "sizeof kRefusing);\n"
           "  return refuse_sockets ? refusing : plain;\n}\n\n"
           "}  // namespace codearena::sandbox\n";
    out.close();
    if (!out) throw std::runtime_error(std::string("cannot write ") + argv[1]);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "codearena-seccomp-compile: %s\n", error.what());
    return 1;
  }
  return 0;
}
