// SPDX-License-Identifier: Apache-2.0
// What every evaluation child does first: enter the sandbox (or, with --unsafe-no-sandbox,
// stay on the host), set exactly the variables libopenscap, libapt and librpm read, mark the root
// as a container and initialise libopenscap.
#pragma once

#include <imgscap/sandbox/sandbox.hpp>
#include <imgscap/scan/evaluate.hpp>

#include <string>
#include <vector>

namespace imgscap::scan {

struct Entered {
  sandbox::View view;  // where the image, the evaluation files and `extra` are now
  std::string marker;  // the container marker the evaluation sees ("" when none)
};

// The binds every evaluation has ("eval": target.private_dir, read-write; libopenscap's schemas,
// CPE dictionaries and stylesheets; librpm's configuration) plus `extra`.
sandbox::Spec sandbox_spec(const Target& target, const std::vector<sandbox::Bind>& extra);

// Where a converted rpm database goes, inside the image's throwaway layer.
constexpr const char* k_converted_rpm_dbpath = "/run/imgscap/rpmdb";

// HOME/.rpmmacros: librpm's %_dbpath is target.rpm_dbpath (Debian's default runs a shell in the
// image and finds nothing).
void write_rpm_macros(const Target& target);

// Call first in an evaluation child. Throws imgscap::Error.
Entered enter_evaluation(const Target& target, const std::vector<sandbox::Bind>& extra);

}  // namespace imgscap::scan
