// SPDX-License-Identifier: Apache-2.0
// Digest parsing and hashing with OpenSSL's EVP interface; the verifying stream wrapper.
#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/fd.hpp>

#include <fcntl.h>
#include <openssl/evp.h>

#include <array>
#include <cerrno>

namespace imgscap::util {

// Outside the anonymous namespace: Hasher::Impl, which has external linkage, holds one.
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

namespace {

std::size_t hex_length(std::string_view algorithm) {
  if (algorithm == "sha256") {
    return 64;
  }
  if (algorithm == "sha512") {
    return 128;
  }
  return 0;
}

bool is_lower_hex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool Digest::is_valid(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  const auto algorithm = text.substr(0, colon);
  const auto hex = text.substr(colon + 1);
  const auto length = hex_length(algorithm);
  return length != 0 && hex.size() == length && is_lower_hex(hex);
}

Digest Digest::parse(std::string_view text) {
  if (!is_valid(text)) {
    constexpr std::size_t k_max_shown = 80;
    std::string shown(text.substr(0, k_max_shown));
    fail("invalid digest \"{}\"{} (expected sha256:<64 hex> or sha512:<128 hex>)", shown,
         text.size() > k_max_shown ? "..." : "");
  }
  const auto colon = text.find(':');
  return Digest(std::string(text.substr(0, colon)), std::string(text.substr(colon + 1)));
}

struct Hasher::Impl {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx{EVP_MD_CTX_new()};
  std::string algorithm;
};

Hasher::Hasher(std::string_view algorithm) : m_impl(std::make_unique<Impl>()) {
  m_impl->algorithm = std::string(algorithm);
  const EVP_MD* md = algorithm == "sha512" ? EVP_sha512() : EVP_sha256();
  if (hex_length(algorithm) == 0) {
    fail("unsupported digest algorithm \"{}\"", algorithm);
  }
  if (!m_impl->ctx || EVP_DigestInit_ex(m_impl->ctx.get(), md, nullptr) != 1) {
    fail("cannot initialise {} hashing", algorithm);
  }
}
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;
Hasher::~Hasher() = default;

void Hasher::update(std::span<const std::byte> data) {
  EVP_DigestUpdate(m_impl->ctx.get(), data.data(), data.size());
}

void Hasher::update(std::string_view data) {
  EVP_DigestUpdate(m_impl->ctx.get(), data.data(), data.size());
}

Digest Hasher::finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(m_impl->ctx.get(), md.data(), &length);
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2U);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(k_hex[md[i] >> 4U]);
    hex.push_back(k_hex[md[i] & 0xfU]);
  }
  return Digest::parse(m_impl->algorithm + ":" + hex);
}

Digest sha256_of(std::string_view data) {
  Hasher hasher;
  hasher.update(data);
  return hasher.finish();
}

Digest sha256_of_file(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    fail("cannot open {}: {}", path.string(), errno_text(errno));
  }
  Hasher hasher;
  std::array<std::byte, 1 << 16> buffer{};
  for (;;) {
    const auto n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("cannot read {}: {}", path.string(), errno_text(errno));
    }
    if (n == 0) {
      break;
    }
    hasher.update(std::span<const std::byte>(buffer.data(), static_cast<std::size_t>(n)));
  }
  return hasher.finish();
}

VerifyingStream::VerifyingStream(std::unique_ptr<ByteStream> inner, Digest expected,
                                 long long expected_size, std::string label)
    : m_inner(std::move(inner)),
      m_expected(std::move(expected)),
      m_expected_size(expected_size),
      m_hasher(m_expected.algorithm()),
      m_label(std::move(label)) {}

std::size_t VerifyingStream::read(std::span<std::byte> buffer) {
  if (m_done) {
    return 0;
  }
  const auto n = m_inner->read(buffer);
  m_count += n;
  if (m_expected_size >= 0 && m_count > static_cast<unsigned long long>(m_expected_size)) {
    fail("size mismatch: more than the {} bytes the descriptor states", m_expected_size);
  }
  if (n > 0) {
    m_hasher.update(std::span<const std::byte>(buffer.data(), n));
    return n;
  }
  m_done = true;
  if (m_expected_size >= 0 && m_count != static_cast<unsigned long long>(m_expected_size)) {
    fail("size mismatch: expected {} bytes, got {}", m_expected_size, m_count);
  }
  const auto actual = m_hasher.finish();
  if (actual != m_expected) {
    fail("{} mismatch: expected {}, got {}", m_label, m_expected.str(), actual.str());
  }
  return 0;
}

}  // namespace imgscap::util
