// SPDX-License-Identifier: Apache-2.0
// Content digests ("sha256:<hex>"): strict parsing and streaming computation (OpenSSL libcrypto).
#pragma once

#include <imgscap/util/byte_stream.hpp>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace imgscap::util {

// A validated OCI digest. Only sha256 and sha512 are accepted and the encoded part must be
// lowercase hex of the exact length, so a Digest is always safe to use as a file name.
class Digest {
 public:
  // A placeholder: sha256 of all zeros (still a valid, safe digest).
  Digest() : m_algorithm("sha256"), m_hex(64, '0') {}
  // Throws imgscap::Error naming the text when it is not a valid digest.
  static Digest parse(std::string_view text);
  static bool is_valid(std::string_view text);

  [[nodiscard]] const std::string& algorithm() const noexcept { return m_algorithm; }
  [[nodiscard]] const std::string& hex() const noexcept { return m_hex; }
  [[nodiscard]] std::string str() const { return m_algorithm + ":" + m_hex; }
  // "sha256:0123456789ab" — for messages.
  [[nodiscard]] std::string short_str() const { return m_algorithm + ":" + m_hex.substr(0, 12); }
  bool operator==(const Digest&) const = default;

 private:
  Digest(std::string algorithm, std::string hex)
      : m_algorithm(std::move(algorithm)), m_hex(std::move(hex)) {}
  std::string m_algorithm;
  std::string m_hex;
};

// Incremental hashing with the algorithm of a digest (sha256 or sha512).
class Hasher {
 public:
  explicit Hasher(std::string_view algorithm = "sha256");
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  ~Hasher();
  void update(std::span<const std::byte> data);
  void update(std::string_view data);
  // Finishes the hash; the Hasher must not be updated afterwards.
  Digest finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

Digest sha256_of(std::string_view data);
Digest sha256_of_file(const std::filesystem::path& path);

// Wraps a stream, hashing and counting what passes through. At the end of the inner stream it
// compares with the expected digest and (when expected_size >= 0) size and throws
// imgscap::Error "digest mismatch: expected ..., got ..." / "size mismatch: ...".
// It also throws as soon as more than expected_size bytes arrive.
class VerifyingStream final : public ByteStream {
 public:
  // `label` names the check in messages: "<label> mismatch: expected ..., got ...".
  VerifyingStream(std::unique_ptr<ByteStream> inner, Digest expected, long long expected_size,
                  std::string label = "digest");
  std::size_t read(std::span<std::byte> buffer) override;
  [[nodiscard]] unsigned long long bytes_read() const noexcept { return m_count; }

 private:
  std::unique_ptr<ByteStream> m_inner;
  Digest m_expected;
  long long m_expected_size;
  Hasher m_hasher;
  std::string m_label;
  unsigned long long m_count = 0;
  bool m_done = false;
};

}  // namespace imgscap::util
