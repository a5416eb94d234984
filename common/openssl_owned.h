// Owning pointers to OpenSSL objects, freed with their own free function:
// `OpensslOwned<EVP_PKEY, EVP_PKEY_free> key(EVP_PKEY_new());`.
#pragma once

#include <memory>

namespace codearena::common {

template <class T, void (*Free)(T*)>
struct OpensslFree {
  void operator()(T* object) const { Free(object); }
};

template <class T, void (*Free)(T*)>
using OpensslOwned = std::unique_ptr<T, OpensslFree<T, Free>>;

}  // namespace codearena::common
