# Finds the Debian bookworm packages the project is built from (see docs/building.md).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SECCOMP REQUIRED IMPORTED_TARGET libseccomp)
# libseccomp-dev's archive: what a target linked by codearena_link_statically() takes instead.
find_library(SECCOMP_ARCHIVE libseccomp.a)
add_library(codearena_libseccomp INTERFACE)
target_link_libraries(codearena_libseccomp INTERFACE
  $<IF:$<BOOL:$<TARGET_PROPERTY:CODEARENA_STATIC>>,${SECCOMP_ARCHIVE},PkgConfig::SECCOMP>)

# Links `target`, an executable started once per call of `codearena run`, without the dynamic
# loader where it can (it then relocates nothing at start), else with the C++ runtime linked in.
# Sanitized builds need everything shared.
function(codearena_link_statically target)
  if(CODEARENA_SANITIZE)
    return()
  endif()
  if(SECCOMP_ARCHIVE)
    set_target_properties(${target} PROPERTIES CODEARENA_STATIC ON)
    target_link_options(${target} PRIVATE -static)
  else()
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  endif()
endfunction()
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(JWT REQUIRED IMPORTED_TARGET libjwt)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Catch2 2 REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)

# CAF 0.17 ships neither a CMake config nor a pkg-config file.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
find_library(CAF_IO_LIBRARY caf_io REQUIRED)
find_library(CAF_OPENSSL_LIBRARY caf_openssl REQUIRED)
add_library(caf::core UNKNOWN IMPORTED)
set_target_properties(caf::core PROPERTIES IMPORTED_LOCATION ${CAF_CORE_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR} INTERFACE_LINK_LIBRARIES Threads::Threads)
add_library(caf::io UNKNOWN IMPORTED)
set_target_properties(caf::io PROPERTIES IMPORTED_LOCATION ${CAF_IO_LIBRARY}
  INTERFACE_LINK_LIBRARIES caf::core)
add_library(caf::openssl UNKNOWN IMPORTED)
set_target_properties(caf::openssl PROPERTIES IMPORTED_LOCATION ${CAF_OPENSSL_LIBRARY}
  INTERFACE_LINK_LIBRARIES "caf::io;OpenSSL::SSL")

# RESTinio needs fmt found first.
find_package(fmt REQUIRED)
find_package(restinio REQUIRED)
