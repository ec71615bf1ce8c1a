// SPDX-License-Identifier: Apache-2.0
// WorkDir: imgscap's private work directory (mode 0700) under $TMPDIR or --workdir, holding the
// unpacked root and the evaluation's files; removed on every exit path unless kept.
#pragma once

#include <filesystem>
#include <optional>

namespace imgscap::rootfs {

class WorkDir {
 public:
  // Creates "imgscap-XXXXXX" in `parent`, else $TMPDIR, else /tmp. Throws imgscap::Error.
  static WorkDir create(const std::optional<std::filesystem::path>& parent);

  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  WorkDir(WorkDir&& other) noexcept;
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir();

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }
  [[nodiscard]] std::filesystem::path rootfs() const { return m_path / "rootfs"; }
  [[nodiscard]] std::filesystem::path private_dir() const { return m_path / "eval"; }
  [[nodiscard]] std::filesystem::path results_dir() const { return m_path / "results"; }
  // The throwaway layer over the root (overlay upper/work) and the sandbox root's mount point.
  [[nodiscard]] std::filesystem::path layer_dir() const { return m_path / "layer"; }
  [[nodiscard]] std::filesystem::path staging_dir() const { return m_path / "sandbox"; }
  // Do not remove the directory when this object goes away.
  void keep() noexcept { m_keep = true; }

 private:
  explicit WorkDir(std::filesystem::path path) : m_path(std::move(path)) {}
  std::filesystem::path m_path;
  bool m_keep = false;
};

}  // namespace imgscap::rootfs
