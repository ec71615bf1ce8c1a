// SPDX-License-Identifier: Apache-2.0
// Building the evaluation sandbox: namespaces, a tmpfs root with the image overlay and the
// binds, pivot_root, capability drop.
#include <imgscap/sandbox/sandbox.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/fd.hpp>

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <random>

namespace imgscap::sandbox {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_image_dir = "image";

// What the probes need: read every file of the image whatever its owner and mode, chroot for
// the chroot-mode probes, and write the throwaway layer (rpm's -shm/-wal files, apt).
constexpr std::array<int, 6> k_kept_capabilities = {
    CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_SYS_CHROOT};

void check(bool ok, std::string_view what) {
  if (!ok) {
    fail("sandbox: {}: {}", what, errno_text(errno));
  }
}

// Overlay options separate with ',' and ':'; a backslash escapes them.
std::string escape_option(const fs::path& path) {
  std::string out;
  for (const char c : path.string()) {
    if (c == ',' || c == ':' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

// Flags a read-only remount must keep: in a user namespace the kernel refuses to drop them.
unsigned long locked_flags(const fs::path& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) {
    return 0;
  }
  unsigned long flags = 0;
  const std::array<std::pair<unsigned long, unsigned long>, 6> map = {{
      {ST_NOSUID, MS_NOSUID},
      {ST_NODEV, MS_NODEV},
      {ST_NOEXEC, MS_NOEXEC},
      {ST_NOATIME, MS_NOATIME},
      {ST_NODIRATIME, MS_NODIRATIME},
      {ST_RELATIME, MS_RELATIME},
  }};
  for (const auto& [st_flag, ms_flag] : map) {
    if ((st.f_flag & st_flag) != 0) {
      flags |= ms_flag;
    }
  }
  return flags;
}

void bind(const Bind& b, const fs::path& target) {
  std::error_code ec;
  if (fs::is_directory(b.source, ec)) {
    check(::mkdir(target.c_str(), 0700) == 0, "mkdir " + target.string());
  } else {
    util::Fd created(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    check(created.valid(), "create " + target.string());
  }
  check(::mount(b.source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) == 0,
        "bind " + b.source.string());
  if (!b.writable) {
    const auto flags =
        MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | locked_flags(b.source);
    check(::mount(nullptr, target.c_str(), nullptr, flags, nullptr) == 0,
          "read-only remount of " + b.source.string());
  }
}

void mount_overlay(const Spec& spec, const fs::path& target) {
  const auto upper = spec.layer / "upper";
  const auto work = spec.layer / "work";
  for (const auto& dir : {spec.layer, upper, work}) {
    check(::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST, "mkdir " + dir.string());
  }
  const auto options =
      fmt::format("lowerdir={},upperdir={},workdir={},userxattr", escape_option(spec.lower),
                  escape_option(upper), escape_option(work));
  check(::mount("overlay", target.c_str(), "overlay", MS_NOSUID | MS_NODEV, options.c_str()) == 0,
        "cannot mount the throwaway layer (overlayfs) over " + spec.lower.string());
}

void drop_capabilities() {
  std::uint64_t keep = 0;
  for (const int cap : k_kept_capabilities) {
    keep |= 1ULL << cap;
  }
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if ((keep & (1ULL << cap)) == 0) {
      check(::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0 || errno == EINVAL,
            "drop capability bounding set");
    }
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, 2> data{};
  for (int i = 0; i < 2; ++i) {
    const auto bits = static_cast<std::uint32_t>(keep >> (32 * i));
    data[static_cast<std::size_t>(i)] = {bits, bits, 0};
  }
  check(::syscall(SYS_capset, &header, data.data()) == 0, "capset");
  check(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "no_new_privs");
}

// In the process in between: wait for pid 1 of the new namespace and end the same way.
[[noreturn]] void wait_and_mirror(pid_t child) {
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    std::signal(WTERMSIG(status), SIG_DFL);
    ::raise(WTERMSIG(status));
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

View build_root(const Spec& spec) {
  // In a chroot (a build chroot, some CI runners) "/" is no mount point: nothing to make
  // private (a mount namespace owned by our user namespace has no shared mounts anyway), and
  // pivot_root cannot be used below.
  const bool root_is_mount = ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
  check(root_is_mount || errno == EINVAL, "make mounts private");
  const auto& root = spec.staging;
  check(::mount("tmpfs", root.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") == 0,
        "mount the sandbox root");
  const auto image = root / k_image_dir;
  check(::mkdir(image.c_str(), 0755) == 0, "mkdir image");
  mount_overlay(spec, image);

  if (spec.private_name.empty() || spec.private_name.find('/') != std::string::npos) {
    fail("sandbox: invalid private directory name \"{}\"", spec.private_name);
  }
  const auto private_dir = root / spec.private_name;
  check(::mkdir(private_dir.c_str(), 0700) == 0, "mkdir private directory");
  for (const auto& b : spec.binds) {
    bind(b, private_dir / b.name);
  }
  if (!spec.tmp.empty()) {
    bind({spec.tmp, "tmp", true}, root / "tmp");
  }
  check(::mount(nullptr, root.c_str(), nullptr, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_RDONLY,
                "mode=0755") == 0,
        "read-only sandbox root");

  check(::chdir(root.c_str()) == 0, "chdir to the sandbox root");
  if (root_is_mount) {
    check(::syscall(SYS_pivot_root, ".", ".") == 0, "pivot_root");
    check(::umount2(".", MNT_DETACH) == 0, "detach the host's filesystem");
  } else {
    // The sandbox root moved over "/", then made the root: the host's files are covered.
    check(::mount(".", "/", nullptr, MS_MOVE, nullptr) == 0, "move the sandbox root over /");
    check(::chroot(".") == 0, "chroot into the sandbox root");
  }
  check(::chdir("/") == 0, "chdir /");
  if (!spec.hostname.empty()) {
    check(::sethostname(spec.hostname.data(), spec.hostname.size()) == 0, "sethostname");
  }
  drop_capabilities();
  return view_of(spec);
}

}  // namespace

fs::path View::place(const std::string& name) const {
  const auto it = m_places.find(name);
  if (it == m_places.end()) {
    fail("sandbox: nothing bound as \"{}\"", name);
  }
  return it->second;
}

View enter(const Spec& spec) {
  check(::unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) == 0,
        "unshare mount, pid, network, IPC and UTS namespaces");
  const pid_t child = ::fork();
  check(child >= 0, "fork into the new pid namespace");
  if (child > 0) {
    wait_and_mirror(child);
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  return build_root(spec);
}

bool can_chroot() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, 2> data{};
  if (::syscall(SYS_capget, &header, data.data()) != 0) {
    return false;
  }
  return (data[CAP_SYS_CHROOT / 32].effective & (1U << (CAP_SYS_CHROOT % 32))) != 0;
}

std::string new_private_name() {
  std::random_device random;
  return fmt::format(".imgscap-{:08x}{:08x}", random(), random());
}

View view_of(const Spec& spec) {
  std::map<std::string, fs::path> places;
  for (const auto& b : spec.binds) {
    places[b.name] = fs::path("/") / spec.private_name / b.name;
  }
  return View(fs::path("/") / k_image_dir, std::move(places));
}

View unsandboxed(const Spec& spec) {
  std::map<std::string, fs::path> places;
  for (const auto& b : spec.binds) {
    places[b.name] = b.source;
  }
  return View(spec.lower, std::move(places));
}

}  // namespace imgscap::sandbox
