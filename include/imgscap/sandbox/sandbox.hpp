// SPDX-License-Identifier: Apache-2.0
// The evaluation sandbox: a root filesystem that holds only the image (on a throwaway overlay
// layer) and the few host files libopenscap needs, under a name the image cannot guess; no
// network, its own pid/IPC/UTS namespaces, capabilities cut to what the probes use.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace imgscap::sandbox {

// A host file or directory made visible in the sandbox's private directory.
struct Bind {
  std::filesystem::path source;  // absolute host path
  std::string name;              // its name under the private directory
  bool writable = false;
};

struct Spec {
  std::filesystem::path lower;    // the image tree: the overlay's lower layer, never modified
  std::filesystem::path layer;    // the throwaway layer: upper/ and work/ are created here
  std::filesystem::path staging;  // an empty directory; the sandbox root is mounted on it
  std::vector<Bind> binds;
  std::filesystem::path tmp;  // bound at /tmp (libopenscap creates its temporary files there)
  std::string private_name;   // the private directory at the sandbox root (new_private_name())
  std::string hostname;       // the sandbox's host name (becomes the results' target name)
};

// A name for the private directory that an image cannot guess (64 random bits).
std::string new_private_name();

// Where things are for the process that uses them.
class View {
 public:
  View(std::filesystem::path image, std::map<std::string, std::filesystem::path> places)
      : m_image(std::move(image)), m_places(std::move(places)) {}
  // The image tree (with the throwaway layer on top, when sandboxed).
  [[nodiscard]] const std::filesystem::path& image() const noexcept { return m_image; }
  // Where the bind named `name` is. Throws imgscap::Error for an unknown name.
  [[nodiscard]] std::filesystem::path place(const std::string& name) const;
  [[nodiscard]] bool has(const std::string& name) const { return m_places.contains(name); }

 private:
  std::filesystem::path m_image;
  std::map<std::string, std::filesystem::path> m_places;
};

// Enters the sandbox. Call in a forked child of a process that is root in its own user
// namespace (enter_user_namespace). Unshares mount, pid, network, IPC and UTS namespaces, forks
// once more (the new process is pid 1 of the new pid namespace; the one in between waits for
// it and ends as it ended), builds the root on `spec.staging`, pivots into it and drops
// capabilities. Returns in the innermost process. Throws imgscap::Error naming the step that
// failed.
View enter(const Spec& spec);

// The paths enter(spec) will give, known before entering (e.g. to write configuration files
// that name them).
View view_of(const Spec& spec);

// Whether this process may chroot(2) (CAP_SYS_CHROOT in its effective set): without the
// sandbox, OpenSCAP's chroot-mode probes abort the process when it may not.
bool can_chroot();

// The same paths without any isolation (--unsafe-no-sandbox): the image tree itself and the
// binds at their host paths.
View unsandboxed(const Spec& spec);

}  // namespace imgscap::sandbox
