// SPDX-License-Identifier: Apache-2.0
// Entering the scan's user namespace: identity map as root, subordinate ids through
// newuidmap/newgidmap (a helper process left in the parent namespace writes the maps), or the
// caller's single id.
#include <imgscap/sandbox/user_namespace.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/fd.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/text.hpp>

#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <map>
#include <sstream>
#include <vector>

namespace imgscap::sandbox {
namespace {

constexpr std::uint64_t k_all_ids = 4294967295ULL;  // every id but (uid_t)-1
// Fewer subordinate ids than this cannot hold the usual image owners (nobody is 65534).
constexpr std::uint64_t k_min_subordinate_ids = 65535;
constexpr std::array<const char*, 2> k_helper_dirs = {"/usr/bin", "/usr/sbin"};

std::optional<std::uint64_t> to_number(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::string find_helper(const char* name) {
  for (const char* dir : k_helper_dirs) {
    const auto path = std::string(dir) + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) {
      return path;
    }
  }
  return {};
}

bool write_file(const std::string& path, std::string_view text) {
  util::Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  return fd && ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

// Runs `argv` and waits; returns "" on success, else what went wrong.
std::string run_program(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    return "fork: " + errno_text(errno);
  }
  if (pid == 0) {
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    return {};
  }
  return fmt::format("{} failed (status {})", argv[0], status);
}

// What the helper does once the main process has unshared: write `pid`'s maps.
using MapWriter = std::string (*)(pid_t pid, const void* context);

struct SubordinateMaps {
  std::string newuidmap;
  std::string newgidmap;
  uid_t uid;
  gid_t gid;
  SubordinateRange uids;
  SubordinateRange gids;
};

// The ids this namespace has ("inside" ranges of /proc/self/{uid,gid}_map), each mapped to
// itself: everything on the host (identity), or what an enclosing container maps.
std::string identity_of(const std::string& map_text) {
  std::string out;
  std::istringstream lines(map_text);
  std::uint64_t inside = 0;
  std::uint64_t outside = 0;
  std::uint64_t count = 0;
  while (lines >> inside >> outside >> count) {
    out += fmt::format("{} {} {}\n", inside, inside, count);
  }
  return out;
}

std::string write_identity_maps(pid_t pid, const void*) {
  for (const char* map : {"uid_map", "gid_map"}) {
    const auto lines = identity_of(util::read_file(fmt::format("/proc/self/{}", map)));
    if (!write_file(fmt::format("/proc/{}/{}", pid, map), lines)) {
      return fmt::format("cannot write {}: {}", map, errno_text(errno));
    }
  }
  return {};
}

// How many ids from 0 on a map of this namespace holds without a gap.
std::uint64_t contiguous_ids(const std::string& map_text) {
  std::istringstream lines(map_text);
  std::uint64_t inside = 0;
  std::uint64_t outside = 0;
  std::uint64_t count = 0;
  std::map<std::uint64_t, std::uint64_t> ranges;
  while (lines >> inside >> outside >> count) {
    ranges[inside] = count;
  }
  std::uint64_t next = 0;
  for (const auto& [start, length] : ranges) {
    if (start != next) {
      break;
    }
    next = start + length;
  }
  return next;
}

std::string write_subordinate_maps(pid_t pid, const void* context) {
  const auto& maps = *static_cast<const SubordinateMaps*>(context);
  const auto target = std::to_string(pid);
  auto error = run_program({maps.newuidmap, target, "0", std::to_string(maps.uid), "1", "1",
                            std::to_string(maps.uids.start), std::to_string(maps.uids.count)});
  if (error.empty()) {
    error = run_program({maps.newgidmap, target, "0", std::to_string(maps.gid), "1", "1",
                         std::to_string(maps.gids.start), std::to_string(maps.gids.count)});
  }
  return error;
}

// A kernel setting's value ("" when the file does not exist).
std::string sysctl_value(const char* path) {
  return std::string(util::trim(util::read_file(path)));
}

std::string unshare_hint(int err) {
  std::vector<std::string> hints;
  if (sysctl_value("/proc/sys/user/max_user_namespaces") == "0") {
    hints.emplace_back(
        "user.max_user_namespaces is 0: raise it (sysctl -w user.max_user_namespaces=15000)");
  }
  if (sysctl_value("/proc/sys/kernel/unprivileged_userns_clone") == "0") {
    hints.emplace_back(
        "unprivileged user namespaces are disabled: sysctl -w kernel.unprivileged_userns_clone=1");
  }
  if (sysctl_value("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1") {
    hints.emplace_back(
        "AppArmor restricts unprivileged user namespaces: give imgscap an AppArmor profile with "
        "'userns,' or set kernel.apparmor_restrict_unprivileged_userns=0");
  }
  if (err == EPERM && hints.empty()) {
    hints.emplace_back(
        "in a container, allow unshare(2) and mount(2) (e.g. a seccomp profile that permits "
        "them, as rootless podman needs)");
  }
  hints.emplace_back(
      "or pass --unsafe-no-sandbox to evaluate without isolation (image symlinks can then make "
      "the probes read host files)");
  std::string text;
  for (const auto& hint : hints) {
    text += "\n  " + hint;
  }
  return text;
}

class Helper {
 public:
  Helper(MapWriter writer, const void* context) {
    std::array<int, 2> go{};
    std::array<int, 2> report{};
    if (::pipe2(go.data(), O_CLOEXEC) != 0 || ::pipe2(report.data(), O_CLOEXEC) != 0) {
      fail("cannot create a pipe: {}", errno_text(errno));
    }
    m_go = util::Fd(go[1]);
    m_report = util::Fd(report[0]);
    util::Fd go_read(go[0]);
    util::Fd report_write(report[1]);
    const pid_t parent = ::getpid();
    m_pid = ::fork();
    if (m_pid < 0) {
      fail("cannot start the id-map helper: {}", errno_text(errno));
    }
    if (m_pid == 0) {
      m_go.reset();
      m_report.reset();
      char byte = 0;
      if (::read(go_read.get(), &byte, 1) != 1) {
        ::_exit(1);  // the main process could not unshare: nothing to map
      }
      const auto error = writer(parent, context);
      if (!error.empty()) {
        [[maybe_unused]] const auto n = ::write(report_write.get(), error.data(), error.size());
      }
      ::_exit(error.empty() ? 0 : 1);
    }
  }
  Helper(const Helper&) = delete;
  Helper& operator=(const Helper&) = delete;
  ~Helper() {
    m_go.reset();
    if (m_pid > 0) {
      int status = 0;
      ::waitpid(m_pid, &status, 0);
    }
  }

  // Lets the helper write the maps; returns "" or its error.
  std::string map() {
    if (::write(m_go.get(), "g", 1) != 1) {
      return "cannot signal the id-map helper: " + errno_text(errno);
    }
    m_go.reset();
    std::string error;
    std::array<char, 512> buffer{};
    ssize_t n = 0;
    while ((n = ::read(m_report.get(), buffer.data(), buffer.size())) > 0) {
      error.append(buffer.data(), static_cast<std::size_t>(n));
    }
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
    m_pid = -1;
    if (error.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      error = "the id-map helper failed";
    }
    return error;
  }

 private:
  pid_t m_pid = -1;
  util::Fd m_go;
  util::Fd m_report;
};

[[noreturn]] void unshare_failed(int err) {
  fail("cannot create a user namespace for the evaluation sandbox: {}{}", errno_text(err),
       unshare_hint(err));
}

void unshare_user() {
  if (::unshare(CLONE_NEWUSER) != 0) {
    unshare_failed(errno);
  }
}

void write_single_maps(uid_t uid, gid_t gid) {
  if (!write_file("/proc/self/setgroups", "deny") ||
      !write_file("/proc/self/uid_map", fmt::format("0 {} 1\n", uid)) ||
      !write_file("/proc/self/gid_map", fmt::format("0 {} 1\n", gid))) {
    fail("cannot map ids in the new user namespace: {}", errno_text(errno));
  }
}

std::string user_name(uid_t uid) {
  std::array<char, 4096> buffer{};
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return {};
}

}  // namespace

std::optional<SubordinateRange> find_subordinate_range(std::string_view text, std::string_view name,
                                                       std::uint64_t id) {
  const auto id_text = std::to_string(id);
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = util::trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const auto first = line.find(':');
    const auto second = line.find(':', first == std::string_view::npos ? first : first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) {
      continue;
    }
    const auto owner = line.substr(0, first);
    if (owner != id_text && (name.empty() || owner != name)) {
      continue;
    }
    const auto start = to_number(line.substr(first + 1, second - first - 1));
    const auto count = to_number(line.substr(second + 1));
    if (start && count && *count > 0) {
      return SubordinateRange{*start, *count};
    }
  }
  return std::nullopt;
}

UserNamespace enter_user_namespace() {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  UserNamespace ns;
  if (uid == 0) {
    Helper helper(write_identity_maps, nullptr);
    unshare_user();
    if (const auto error = helper.map(); !error.empty()) {
      fail("cannot map ids in the new user namespace: {}", error);
    }
    ns.map = IdMap::identity;
    ns.mapped_ids = std::min(contiguous_ids(util::read_file("/proc/self/uid_map")),
                             contiguous_ids(util::read_file("/proc/self/gid_map")));
    ns.description = ns.mapped_ids >= k_all_ids
                         ? std::string("root: every id mapped to itself")
                         : fmt::format("root of a user namespace: ids 0-{} mapped to themselves",
                                       ns.mapped_ids - 1);
    if (ns.mapped_ids < k_min_subordinate_ids) {
      ns.limitation = fmt::format("the enclosing user namespace maps only {} ids", ns.mapped_ids);
    }
    return ns;
  }

  const auto name = user_name(uid);
  const auto uids = find_subordinate_range(util::read_file("/etc/subuid"), name, uid);
  const auto gids = find_subordinate_range(util::read_file("/etc/subgid"), name, uid);
  SubordinateMaps maps{
      find_helper("newuidmap"),          find_helper("newgidmap"),         uid, gid,
      uids.value_or(SubordinateRange{}), gids.value_or(SubordinateRange{})};
  std::string why_single;
  if (!uids || !gids) {
    why_single = fmt::format("no subordinate id range for {} in /etc/subuid and /etc/subgid",
                             name.empty() ? std::to_string(uid) : name);
  } else if (uids->count < k_min_subordinate_ids || gids->count < k_min_subordinate_ids) {
    why_single = fmt::format("the subordinate id ranges of {} hold fewer than {} ids", name,
                             k_min_subordinate_ids);
  } else if (maps.newuidmap.empty() || maps.newgidmap.empty()) {
    why_single = "newuidmap/newgidmap are not installed (Debian package uidmap)";
  }

  if (why_single.empty()) {
    Helper helper(write_subordinate_maps, &maps);
    unshare_user();
    why_single = helper.map();
    if (why_single.empty()) {
      ns.map = IdMap::subordinate;
      ns.mapped_ids = 1 + std::min(uids->count, gids->count);
      ns.description = fmt::format("user {}: ids 1-{} are subordinate ids from {}", uid,
                                   ns.mapped_ids - 1, uids->start);
      return ns;
    }
  } else {
    unshare_user();
  }
  write_single_maps(uid, gid);
  ns.map = IdMap::single;
  ns.mapped_ids = 1;
  ns.description = fmt::format("user {}: only this id is mapped", uid);
  ns.limitation = why_single;
  return ns;
}

}  // namespace imgscap::sandbox
