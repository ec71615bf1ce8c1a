// SPDX-License-Identifier: Apache-2.0
// The scan's user namespace: imgscap becomes root inside a new user namespace before it unpacks,
// so that unpacking keeps the image's file owners and each evaluation can build its own mount,
// pid and network namespaces, all without privileges on the host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imgscap::sandbox {

enum class IdMap {
  identity,     // imgscap runs as root: every id is mapped to itself
  subordinate,  // the caller's id is 0, its subordinate ids (/etc/subuid, /etc/subgid) 1..N
  single,       // only the caller's id, as 0: every file of the tree belongs to 0:0
};

struct UserNamespace {
  IdMap map = IdMap::identity;
  std::uint64_t mapped_ids = 0;  // ids 0..mapped_ids-1 exist inside (uids and gids alike)
  std::string description;       // for the summary, e.g. "subordinate ids: 65536 from 100000"
  std::string limitation;        // why ownership may be wrong (too few ids mapped), else ""

  // Whether files keep the image's owners when unpacked.
  [[nodiscard]] bool keeps_ownership() const noexcept { return limitation.empty(); }
};

struct SubordinateRange {
  std::uint64_t start = 0;
  std::uint64_t count = 0;
};

// The first range listed for `name` or for the numeric `id` in the text of an /etc/subuid-style
// file ("owner:start:count" lines).
std::optional<SubordinateRange> find_subordinate_range(std::string_view text, std::string_view name,
                                                       std::uint64_t id);

// Moves this process, which must be single-threaded, into a new user namespace in which it is
// root. Throws imgscap::Error saying what is missing and how to allow it when the kernel or the
// environment refuses a user namespace.
UserNamespace enter_user_namespace();

}  // namespace imgscap::sandbox
