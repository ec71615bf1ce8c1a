// SPDX-License-Identifier: Apache-2.0
// Berkeley DB rpm databases (RHEL <= 8) converted to sqlite in the throwaway layer, with librpm
// in a sandboxed child: Debian's librpm reads bdb only through bdb_ro, whose lookups by name fail
// without the index files, so the rpminfo probe would report every package as absent. The new
// database goes to its own directory (%_dbpath_rebuild), so nothing of the image is renamed.
#include "child.hpp"
#include "environment.hpp"

#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/scan/evaluate.hpp>
#include <imgscap/util/error.hpp>

#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmts.h>

#include <memory>

namespace imgscap::scan {
namespace {

struct TsFree {
  void operator()(rpmts ts) const noexcept { rpmtsFree(ts); }
};

void rebuild_as_sqlite(int fd, const Target& target) {
  const auto entered = enter_evaluation(target, {});
  const auto dbpath = std::string_view(k_converted_rpm_dbpath);
  rootfs::make_dirs_in_root(rootfs::open_root(entered.view.image()),
                            dbpath.substr(1, dbpath.rfind('/') - 1));
  if (rpmReadConfigFiles(nullptr, nullptr) != 0) {
    fail("cannot read librpm's configuration");
  }
  rpmPushMacro(nullptr, "_db_backend", nullptr, "sqlite", RMIL_CMDLINE);
  rpmPushMacro(nullptr, "_dbpath_rebuild", nullptr, k_converted_rpm_dbpath, RMIL_CMDLINE);
  std::unique_ptr<std::remove_pointer_t<rpmts>, TsFree> ts(rpmtsCreate());
  rpmtsSetRootDir(ts.get(), entered.view.image().c_str());
  if (rpmtsRebuildDB(ts.get()) != 0) {
    const char* message = rpmlogMessage();
    fail("librpm could not convert it to sqlite: {}",
         message != nullptr && *message != '\0' ? message : "no reason given");
  }
  send_line(fd, "done", "{}");
}

}  // namespace

std::string prepare_rpm_database(Target& target) {
  if (target.packages.rpm != RpmBackend::bdb) {
    return {};
  }
  try {
    run_in_child([&](int fd) { rebuild_as_sqlite(fd, target); },
                 target.private_dir / "rpm-rebuild.log", [](std::string_view, std::string_view) {});
  } catch (const Error& e) {
    return fmt::format("the Berkeley DB rpm database (var/lib/rpm/Packages) {}", e.what());
  }
  target.packages.rpm = RpmBackend::sqlite;
  target.rpm_dbpath = k_converted_rpm_dbpath;
  write_rpm_macros(target);
  return {};
}

}  // namespace imgscap::scan
