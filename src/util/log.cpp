// SPDX-License-Identifier: Apache-2.0
// Sets up the single stderr logger all modules use through spdlog's default logger.
#include <imgscap/util/log.hpp>

#include <spdlog/sinks/ostream_sink.h>

#include <memory>

namespace imgscap::util {

void init_logging(std::ostream& err, Verbosity verbosity) {
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(err, /*force_flush=*/true);
  auto logger = std::make_shared<spdlog::logger>("imgscap", sink);
  switch (verbosity) {
    case Verbosity::quiet:
      logger->set_level(spdlog::level::err);
      logger->set_pattern("imgscap: %v");
      break;
    case Verbosity::normal:
      logger->set_level(spdlog::level::info);
      logger->set_pattern("imgscap: %v");
      break;
    case Verbosity::verbose:
      logger->set_level(spdlog::level::debug);
      logger->set_pattern("imgscap: [%H:%M:%S.%e] %l: %v");
      break;
  }
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace imgscap::util
