// SPDX-License-Identifier: Apache-2.0
// What an OVAL object names, read from its element: the feeds (which files a feed reads) and the
// report (which file a rule's check points at) both need it.
#pragma once

#include <libxml/tree.h>

#include <string>
#include <string_view>

namespace imgscap::util::oval {

// Objects that read one file named by filepath or path + filename: textfilecontent54_object,
// textfilecontent_object, file_object (the element's local name).
bool is_file_object(std::string_view element_name);

// The literal absolute path a file object names, or "" when it names none: a pattern, a
// variable, a set, behaviors that recurse (the probe would read more than that path), or a path
// with empty, "." or ".." components (nothing a copy could be steered by).
std::string literal_file_path(const xmlNode* object);

}  // namespace imgscap::util::oval
