#include "judge/compile_cache.h"

#include <openssl/evp.h>

#include <cstdio>

namespace codearena::judge {

int64_t CompiledProgram::bytes() const {
  int64_t total = static_cast<int64_t>(compiler_output.size());
  for (const auto& [name, content] : artifacts)
    total += static_cast<int64_t>(name.size() + content.size());
  return total;
}

std::string CompileCache::key(const std::vector<std::string>& parts) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context, EVP_sha256(), nullptr);
  for (const auto& part : parts) {
    const uint64_t size = part.size();
    EVP_DigestUpdate(context, &size, sizeof size);
    EVP_DigestUpdate(context, part.data(), part.size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context, digest, &length);
  EVP_MD_CTX_free(context);
  std::string hex;
  char byte[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

std::string CompileCache::command_key_part(const std::vector<std::string>& command) {
  std::string joined;
  for (const auto& arg : command) joined += arg + '\x1f';
  return joined;
}

std::shared_ptr<const CompiledProgram> CompileCache::find(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = index_.find(key);
  if (found == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  recency_.splice(recency_.begin(), recency_, found->second);
  return found->second->second;
}

void CompileCache::put(const std::string& key, CompiledProgram program) {
  const int64_t size = program.bytes();
  if (size > max_bytes_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (const auto found = index_.find(key); found != index_.end()) {
    bytes_ -= found->second->second->bytes();
    recency_.erase(found->second);
    index_.erase(found);
  }
  recency_.emplace_front(key, std::make_shared<const CompiledProgram>(std::move(program)));
  index_[key] = recency_.begin();
  bytes_ += size;
  evict_over_budget();
}

void CompileCache::evict_over_budget() {
  while (bytes_ > max_bytes_ && !recency_.empty()) {
    bytes_ -= recency_.back().second->bytes();
    index_.erase(recency_.back().first);
    recency_.pop_back();
  }
}

CompileCache::Stats CompileCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {hits_, misses_, static_cast<int64_t>(index_.size()), bytes_};
}

}  // namespace codearena::judge
