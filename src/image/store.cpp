// SPDX-License-Identifier: Apache-2.0
// Directory and tar blob stores, verified JSON reads and image config parsing.
#include "store.hpp"
#include "manifest.hpp"

#include "streams.hpp"

#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace imgscap::image {
namespace {

class FdStream final : public util::ByteStream {
 public:
  FdStream(util::Fd fd, std::string name) : m_fd(std::move(fd)), m_name(std::move(name)) {}
  std::size_t read(std::span<std::byte> buffer) override {
    for (;;) {
      const auto n = ::read(m_fd.get(), buffer.data(), buffer.size());
      if (n >= 0) {
        return static_cast<std::size_t>(n);
      }
      if (errno != EINTR) {
        fail("cannot read {}: {}", m_name, errno_text(errno));
      }
    }
  }

 private:
  util::Fd m_fd;
  std::string m_name;
};

class DirStore final : public BlobStore {
 public:
  explicit DirStore(const std::filesystem::path& dir)
      : m_dir(dir), m_fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {
    if (!m_fd) {
      fail("cannot open {}: {}", dir.string(), errno_text(errno));
    }
  }
  std::unique_ptr<util::ByteStream> open(const std::string& path) const override {
    auto fd = open_beneath(path);
    if (!fd) {
      return nullptr;
    }
    return std::make_unique<FdStream>(std::move(fd), (m_dir / path).string());
  }
  std::int64_t size(const std::string& path) const override {
    const auto fd = open_beneath(path);
    struct stat st {};
    return fd && ::fstat(fd.get(), &st) == 0 ? st.st_size : -1;
  }

 private:
  util::Fd open_beneath(const std::string& path) const {
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    const auto fd = ::syscall(SYS_openat2, m_fd.get(), path.c_str(), &how, sizeof how);
    if (fd < 0) {
      if (errno == ENOENT) {
        return util::Fd();
      }
      fail("cannot open {}: {}", (m_dir / path).string(), errno_text(errno));
    }
    util::Fd owned(static_cast<int>(fd));
    struct stat st {};
    if (::fstat(owned.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      fail("{} is not a regular file", (m_dir / path).string());
    }
    ::fcntl(owned.get(), F_SETFL, O_RDONLY);  // blocking reads from here on
    return owned;
  }

  std::filesystem::path m_dir;
  util::Fd m_fd;
};

class TarStore final : public BlobStore {
 public:
  explicit TarStore(const std::filesystem::path& tar) : m_tar(tar) {}
  std::unique_ptr<util::ByteStream> open(const std::string& path) const override {
    return m_tar.contains(path) ? m_tar.open(path) : nullptr;
  }
  std::int64_t size(const std::string& path) const override { return m_tar.size_of(path); }

 private:
  TarArchive m_tar;
};

std::vector<std::string> string_list(const nlohmann::json& j) {
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const auto& item : j) {
      if (item.is_string()) {
        out.push_back(item.get<std::string>());
      }
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<BlobStore> make_dir_store(const std::filesystem::path& dir) {
  return std::make_unique<DirStore>(dir);
}

std::unique_ptr<BlobStore> make_tar_store(const std::filesystem::path& tar) {
  return std::make_unique<TarStore>(tar);
}

std::string blob_path(const util::Digest& digest) {
  return "blobs/" + digest.algorithm() + "/" + digest.hex();
}

nlohmann::json read_verified_json(const BlobStore& store, const util::Digest& digest,
                                  long long size, const std::string& what) {
  auto blob = store.open(blob_path(digest));
  if (!blob) {
    fail("missing blob {} ({})", digest.str(), what);
  }
  return read_verified_json(std::move(blob), digest, size, what);
}

nlohmann::json read_verified_json(std::unique_ptr<util::ByteStream> blob,
                                  const util::Digest& digest, long long size,
                                  const std::string& what) {
  const auto label = fmt::format("{} {}", what, digest.short_str());
  if (size > static_cast<long long>(util::limit(util::Limit::json_bytes))) {
    util::limit_exceeded(util::Limit::json_bytes, fmt::format("{} is {} bytes", label, size));
  }
  util::VerifyingStream verified(std::move(blob), digest, size);
  const auto text = with_context(label, [&] { return read_json_text(verified, label); });
  return parse_json(text, label);
}

nlohmann::json read_json_file(const BlobStore& store, const std::string& path) {
  auto stream = store.open(path);
  if (!stream) {
    fail("{} is missing", path);
  }
  return parse_json(read_json_text(*stream, path), path);
}

Config parse_config(const nlohmann::json& json, const std::string& what) {
  if (!json.is_object()) {
    fail("{} is not a JSON object", what);
  }
  Config config;
  config.architecture = string_of(json, "architecture");
  config.os = string_of(json, "os");
  config.variant = string_of(json, "variant");
  config.created = string_of(json, "created");
  const auto& c = json.contains("config") && json["config"].is_object() ? json["config"]
                                                                        : nlohmann::json::object();
  config.user = string_of(c, "User");
  config.working_dir = string_of(c, "WorkingDir");
  config.env = string_list(c.value("Env", nlohmann::json()));
  config.entrypoint = string_list(c.value("Entrypoint", nlohmann::json()));
  config.cmd = string_list(c.value("Cmd", nlohmann::json()));
  if (c.contains("ExposedPorts") && c["ExposedPorts"].is_object()) {
    for (const auto& [port, _] : c["ExposedPorts"].items()) {
      config.exposed_ports.push_back(port);
    }
  }
  if (c.contains("Volumes") && c["Volumes"].is_object()) {
    for (const auto& [volume, _] : c["Volumes"].items()) {
      config.volumes.push_back(volume);
    }
  }
  if (c.contains("Labels") && c["Labels"].is_object()) {
    for (const auto& [key, value] : c["Labels"].items()) {
      if (value.is_string()) {
        config.labels[key] = value.get<std::string>();
      }
    }
  }
  if (c.contains("Healthcheck") && c["Healthcheck"].is_object()) {
    config.healthcheck = Healthcheck{string_list(c["Healthcheck"].value("Test", nlohmann::json()))};
  }
  const auto rootfs = json.value("rootfs", nlohmann::json::object());
  if (!rootfs.is_object() || !rootfs.contains("diff_ids") || !rootfs["diff_ids"].is_array()) {
    fail("{} has no rootfs.diff_ids", what);
  }
  for (const auto& id : rootfs["diff_ids"]) {
    if (!id.is_string()) {
      fail("{}: rootfs.diff_ids holds a non-string", what);
    }
    config.diff_ids.push_back(with_context(
        what + ": rootfs.diff_ids", [&] { return util::Digest::parse(id.get<std::string>()); }));
  }
  return config;
}

}  // namespace imgscap::image
