// SPDX-License-Identifier: Apache-2.0
// Argument parsing with CLI11, logging set-up, and the single place errors become exit codes.
// GCC 12 reports a "potential null pointer dereference" inside CLI11's string splitting
// (CLI/StringTools.hpp) where the whole option set-up is inlined into Cli's constructor; the
// warning is reported where the code is inlined, so it is off for this file.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <imgscap/cli/cli.hpp>
#include <imgscap/cli/scan_command.hpp>
#include <imgscap/registry/credentials.hpp>
#include <imgscap/scan/evaluate.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/log.hpp>
#include <imgscap/util/signals.hpp>
#include <imgscap/util/text.hpp>
#include "completion.hpp"
#include "settings.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>
// GCC 12 sees a "potential null pointer dereference" inside CLI11's own string splitting when
// vector options are used; the code is CLI11's, so the warning is silenced for its header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <CLI/CLI.hpp>
#pragma GCC diagnostic pop

#include <iostream>
#include <map>

namespace imgscap::cli {
namespace {

constexpr const char* k_exit_codes = R"(
Exit codes:
  0    compliant: the scan finished and no rule at or above --fail-on failed
  1    error: bad usage, unreadable or invalid image or content, evaluation failure
  2    non-compliant: a rule or a vulnerability at or above --fail-on failed / was found
  3    incomplete: a rule or CVE definition at or above --fail-on could not be evaluated
       (error or unknown), or the CVE feed's probes cannot read the image's packages
  4    no CVE feed: --cve auto found no feed for the image's OS (and nothing else failed)
  129  interrupted by SIGHUP, 130 by SIGINT, 143 by SIGTERM (work directory removed)

Images: docker://HOST[:PORT]/REPO[:TAG|@DIGEST]  docker-archive:PATH[:REF]
        oci-archive:PATH[:REF]  oci:DIR[:REF]  docker-dir:DIR  dir:PATH  or a bare PATH.
See imgscap(1) for details.)";

const std::map<std::string, OutputFormat> k_formats{{"text", OutputFormat::text},
                                                    {"json", OutputFormat::json}};
const std::map<std::string, OutputFormat> k_scan_formats{{"text", OutputFormat::text},
                                                         {"json", OutputFormat::json},
                                                         {"sarif", OutputFormat::sarif},
                                                         {"junit", OutputFormat::junit},
                                                         {"gitlab", OutputFormat::gitlab}};

// --format text|json, as every command that prints spells it (scan has more).
void add_format_option(CLI::App* command, OutputFormat& format, const std::string& help,
                       const std::map<std::string, OutputFormat>& formats = k_formats,
                       const std::string& names = "text|json") {
  command->add_option("--format", format, help)
      ->transform(CLI::CheckedTransformer(formats))
      ->option_text(names);
}

// Found in the current directory when --waivers is not given.
constexpr const char* k_default_waivers = ".imgscap-waivers.yaml";

struct Parsed {
  ScanOptions scan;
  FleetCommandOptions fleet;  // images, --images-from, --jobs, --image-timeout
  InspectOptions inspect;
  FeedsOptions feeds;
  ReportOptions report;
  ListOptions list;
  std::string fail_on = "low";
  std::optional<std::filesystem::path> waivers;
  std::vector<std::string> limits;
  std::optional<std::string> creds;
  bool verbose = false;
};

// Where images come from: platform, registry credentials, TLS, retries (skopeo's names).
void add_source_options(CLI::App* command, image::SourceOptions& options, Parsed& p) {
  command
      ->add_option("--platform", options.platform,
                   "Image to pick from a multi-platform index (default: this machine's, such "
                   "as linux/amd64)")
      ->option_text("OS/ARCH[/VARIANT]");
  command
      ->add_option("--authfile", options.registry.credentials.authfile,
                   "Registry credentials file (containers auth.json or docker config.json); "
                   "default: $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, "
                   "~/.config/containers/auth.json, ~/.docker/config.json")
      ->option_text("FILE");
  command
      ->add_option("--creds", p.creds,
                   "Registry user and password (the password is read from stdin when omitted)")
      ->option_text("USER[:PASSWORD]");
  command
      ->add_option("--cert-dir", options.registry.cert_dir,
                   "Registry certificates: *.crt CAs, a *.cert/*.key client pair (default: "
                   "certs.d/HOST:PORT under ~/.config/containers, /etc/containers, /etc/docker)")
      ->option_text("DIR");
  command->add_flag("--tls-verify", options.registry.tls_verify,
                    "Verify the registry's TLS certificate (default true; --tls-verify=false "
                    "also allows plain HTTP)");
  command
      ->add_option("--retry-times", options.registry.retry_times,
                   "Retries of a registry request after a connection error, 429 or 5xx "
                   "(default 3)")
      ->check(CLI::Range(0, 20))
      ->option_text("N");
}

void apply_creds(const Parsed& p, image::SourceOptions& options) {
  if (p.creds) {
    options.registry.credentials.explicit_credentials = registry::parse_creds(*p.creds, std::cin);
  }
}

void add_limit_option(CLI::App* command, Parsed& p) {
  std::string names;
  for (const auto& limit : util::limit_catalogue()) {
    names += fmt::format("{}{} ({})", names.empty() ? "" : ", ", limit.name, limit.default_value);
  }
  command
      ->add_option("--limit", p.limits,
                   "Raise (or lower) a bound on what is accepted from the image, e.g. "
                   "--limit layers=512 --limit layer-bytes=64G. Names (defaults): " +
                       names)
      ->option_text("NAME=VALUE");
}

void apply_limits(const Parsed& p) {
  util::Limits limits;
  for (const auto& assignment : p.limits) {
    limits.set(assignment);
  }
  util::set_limits(limits);
  util::set_deadline_in(limits.get(util::Limit::scan_seconds));
}

void add_feed_options(CLI::App* command, FeedOptions& options, bool with_offline) {
  command
      ->add_option("--cve-catalogue", options.catalogues,
                   "Your CVE feed catalogue (JSON, as content/cve-feeds.json): adds entries or "
                   "replaces built-in ones of the same name (default: "
                   "$XDG_CONFIG_HOME/imgscap/cve-feeds.json when it exists). Repeatable")
      ->option_text("FILE");
  command
      ->add_option("--cache-dir", options.cache_dir,
                   "Feed cache directory (default: $XDG_CACHE_HOME/imgscap/feeds, else "
                   "~/.cache/imgscap/feeds)")
      ->option_text("DIR");
  command
      ->add_option("--feed-max-age", options.max_age,
                   "Oldest a cached feed may be since it was last known current (downloaded, "
                   "revalidated or, when imported, generated): 36h, 7d, 2w, or none "
                   "(default 7d)")
      ->option_text("DURATION");
  if (with_offline) {
    command->add_flag("--offline", options.offline,
                      "Never download: use cached feeds only (see imgscap feeds import)");
  }
}

void add_scan(CLI::App& app, Parsed& p) {
  auto* scan = app.add_subcommand("scan", "Scan an image with SCAP content");
  scan->add_option("IMAGE", p.fleet.images,
                   "Image to scan; several images (or --images-from) scan a fleet: results per "
                   "image in a directory under -o beside a fleet summary and annotations");
  scan->add_option("--images-from", p.fleet.images_from,
                   "Scan the images listed in FILE (- for stdin): one reference per line, '#' "
                   "comments and blank lines skipped")
      ->option_text("FILE|-");
  scan->add_option("--jobs", p.fleet.jobs,
                   "Images scanned at once in a fleet (default: the cores, fewer when memory "
                   "is short)")
      ->check(CLI::Range(1U, 64U))
      ->option_text("N");
  scan->add_option("--image-timeout", p.fleet.image_seconds,
                   "Seconds one image of a fleet may take before its scan is stopped and "
                   "recorded as an error (default 1200)")
      ->check(CLI::PositiveNumber)
      ->option_text("SECONDS");
  scan->add_option("--run-timeout", p.fleet.run_seconds,
                   "Seconds a whole fleet run may take (default 86400); the images not done by "
                   "then are stopped and the run ends as interrupted")
      ->check(CLI::PositiveNumber)
      ->option_text("SECONDS");
  scan->add_option("--store", p.fleet.store,
                   "Result store of fleet scans: an image whose digest, content, profile, "
                   "options and CVE feed are unchanged is reported from it without being pulled "
                   "again; imgscap report reads it (default: $XDG_STATE_HOME/imgscap, else "
                   "~/.local/state/imgscap). Without -o the store is the only output")
      ->option_text("DIR");
  scan->add_flag("--no-store", p.fleet.no_store, "Scan every image of the fleet; keep nothing");
  scan->add_option("--shard", p.fleet.shard,
                   "Scan this worker's share of the list: the images whose reference hashes to "
                   "I of N (0 <= I < N; Kubernetes Indexed Jobs: $JOB_COMPLETION_INDEX). Every "
                   "shard writes the same store; imgscap report merges them")
      ->option_text("I/N");
  scan->add_option("--run-id", p.fleet.run_id,
                   "Name of this run in the store (shards of one run pass the same, e.g. the "
                   "Job's uid); default: the time and random digits")
      ->option_text("ID");
  add_source_options(scan, p.scan.source, p);
  scan->add_option("--content", p.scan.contents,
                   "SCAP source datastream, XCCDF benchmark or OVAL definitions file, or "
                   "'auto' (default): imgscap's container-image baseline plus the SCAP Security "
                   "Guide datastream for the image's OS where one is installed. Repeatable")
      ->option_text("FILE|auto");
  scan->add_option("--content-dir", p.scan.content_dirs,
                   "Where --content auto looks for SSG datastreams before the standard "
                   "places (/usr/share/xml/scap/ssg/content). Repeatable")
      ->option_text("DIR");
  scan->add_option("--profile", p.scan.profile,
                   "XCCDF profile: full id or a unique suffix (default: the content's default; "
                   "with --content auto, the SSG profile the catalogue names for the OS)")
      ->option_text("ID");
  scan->add_option("--tailoring-file", p.scan.tailoring_file,
                   "XCCDF tailoring file (with --content auto: for the SSG content)")
      ->option_text("FILE");
  scan->add_option("-o,--output", p.scan.output_dir,
                   "Directory for the results: summary.txt, summary.json and per content "
                   "<name>-arf.xml and <name>-report.html (arf.xml and report.html when one "
                   "--content FILE is given); default: ./imgscap-<image name>")
      ->option_text("DIR");
  scan->add_option("--waivers", p.waivers,
                   "YAML file of findings accepted until a date, with a reason: waived findings "
                   "are reported but do not count toward the verdict (default: "
                   ".imgscap-waivers.yaml in the current directory, when there is one)")
      ->option_text("FILE");
  scan->add_option("--fail-on", p.fail_on,
                   "Lowest severity of a failed rule or a vulnerability found that makes the "
                   "image non-compliant: low (anything), medium, high, critical, none. A "
                   "vulnerability whose feed states no severity counts at every level but none")
      ->check(CLI::IsMember({"low", "medium", "high", "critical", "none"}))
      ->option_text("low|medium|high|critical|none");
  scan->add_option("--cve", p.scan.cve,
                   "Scan for known vulnerabilities with a distributor OVAL feed: auto (the "
                   "catalogue's feed for the image's OS, downloaded and cached), a feed FILE "
                   "(.xml, .bz2, .xz, .gz), an http(s):// URL, or off (default)")
      ->option_text("auto|FILE|URL|off");
  scan->add_flag("--ignore-unfixed", p.scan.ignore_unfixed,
                 "Vulnerabilities with no fix yet (every affected package without a fixed "
                 "version) are listed but do not make the image non-compliant");
  scan->add_flag("--cve-full-evaluation", p.scan.cve_full_evaluation,
                 "Hand every definition of the CVE feed to OpenSCAP instead of settling those "
                 "only packages the image lacks could make true (slow; gives the same results)");
  add_feed_options(scan, p.scan.feeds, true);
  scan->add_flag("--attach", p.scan.attach,
                 "Push the summary and the ARF (gzip) to the docker:// image's registry as an OCI "
                 "artifact whose subject is the scanned manifest (found through the referrers "
                 "API, or the sha256-<hex> referrers tag where the registry lacks it); needs "
                 "push rights");
  add_format_option(scan, p.scan.format,
                    "Printed on stdout: the summary as text or json, or one image's results as "
                    "SARIF, JUnit XML or GitLab's container-scanning report (these three are "
                    "also written to the output directory)",
                    k_scan_formats, "text|json|sarif|junit|gitlab");
  scan->add_flag("-q,--quiet", p.scan.quiet, "Print nothing on stdout; errors still go to stderr");
  scan->add_flag("--keep-rootfs", p.scan.keep_rootfs,
                 "Keep the work directory with the unpacked root filesystem and say where");
  scan->add_option("--workdir", p.scan.workdir,
                   "Create the private work directory here instead of $TMPDIR")
      ->option_text("DIR");
  scan->add_option_function<std::string>(
          "--rootfs-memory",
          [&p](const std::string& text) {
            if (text == "auto") {
              p.scan.rootfs_memory.reset();
            } else if (const auto bytes = util::parse_byte_size(text)) {
              p.scan.rootfs_memory = *bytes;
            } else {
              throw CLI::ValidationError("--rootfs-memory",
                                         "\"" + text + "\" is not auto or a size (K, M, G, T)");
            }
          },
          "Unpack the image into a RAM-backed tmpfs of at most SIZE (0: on disk); an image that "
          "does not fit is unpacked again on disk. Default auto: a quarter of the available "
          "memory (cgroup limit included), at most 8G. Not with --keep-rootfs")
      ->option_text("SIZE|auto");
  add_limit_option(scan, p);
  scan->add_flag("--unsafe-no-sandbox", p.scan.unsafe_no_sandbox,
                 "Evaluate without the sandbox (no user, mount or network namespace): image "
                 "symlinks can make the probes read host files. Only where namespaces are "
                 "unavailable and the image is trusted");
  scan->footer(k_exit_codes);
}

void add_inspect(CLI::App& app, Parsed& p) {
  auto* inspect = app.add_subcommand("inspect", "Show an image's refs, digests, layers and OS");
  inspect->add_option("IMAGE", p.inspect.image, "Image to inspect")->required();
  add_source_options(inspect, p.inspect.source, p);
  add_limit_option(inspect, p);
  add_format_option(inspect, p.inspect.format, "text or json");
}

void add_list(CLI::App& app, Parsed& p) {
  auto* list = app.add_subcommand(
      "list",
      "List a registry's images (its catalog, or one repository's tags), one reference "
      "per line: imgscap list docker://reg | imgscap scan --images-from -");
  list->add_option("REGISTRY", p.list.target, "docker://HOST[:PORT] or docker://HOST[:PORT]/REPO")
      ->required();
  add_source_options(list, p.list.source, p);
  add_format_option(list, p.list.format, "text (references) or json");
}

void add_report(CLI::App& app, Parsed& p) {
  auto* report = app.add_subcommand(
      "report", "Show the fleet as the result store last saw it, and what changed since");
  report
      ->add_option("--store", p.report.store,
                   "Result store (default: $XDG_STATE_HOME/imgscap, else "
                   "~/.local/state/imgscap)")
      ->option_text("DIR");
  report
      ->add_option("--since", p.report.since,
                   "Also list what changed since then: last (the run before the latest), "
                   "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC): images newly non-compliant or "
                   "compliant, new and gone, tags moved, vulnerabilities found and fixed")
      ->option_text("last|DATE");
  report
      ->add_option("-o,--output", p.report.output_dir,
                   "Also write summary.txt, summary.json and the OpenShift annotations here")
      ->option_text("DIR");
  add_format_option(report, p.report.format, "text or json");
}

void add_feeds(CLI::App& app, Parsed& p) {
  auto* feeds = app.add_subcommand(
      "feeds", "Manage the CVE feed cache: list, update, import (for air-gapped sites)");
  feeds->require_subcommand(1);
  auto* list = feeds->add_subcommand("list", "Show the cached feeds with age, size and origin");
  add_format_option(list, p.feeds.format, "text or json");
  add_feed_options(list, p.feeds.feeds, false);
  auto* update = feeds->add_subcommand(
      "update", "Download (or revalidate) feeds: the named catalogue entries, or all cached ones");
  update->add_option("NAME", p.feeds.names, "Catalogue entries, e.g. debian-12 rhel-9");
  add_feed_options(update, p.feeds.feeds, false);
  auto* import = feeds->add_subcommand(
      "import", "Verify a feed file (fetched elsewhere) and store it in the cache");
  import->add_option("FILE", p.feeds.file, "The feed, as published (.xml, .bz2, .xz, .gz)")
      ->required();
  import
      ->add_option("--name", p.feeds.name,
                   "Catalogue entry it is for (default: the entry whose URL ends with the "
                   "file's name)")
      ->option_text("NAME");
  import->add_option("--sha256", p.feeds.sha256, "Expected sha256 of FILE as given")
      ->option_text("HEX");
  add_feed_options(import, p.feeds.feeds, false);
  for (auto* sub : {list, update, import}) {
    sub->callback([&p, sub] { p.feeds.action = sub->get_name(); });
  }
}

int dispatch(CLI::App& app, Parsed& p, const Streams& streams) {
  apply_limits(p);
  if (app.got_subcommand("scan")) {
    p.scan.fail_on = report::parse_fail_on(p.fail_on);
    if (!p.waivers && std::filesystem::exists(k_default_waivers)) {
      p.waivers = k_default_waivers;
    }
    if (p.waivers) {
      p.scan.waivers = report::read_waivers(*p.waivers);
    }
    if (p.scan.format == OutputFormat::gitlab && p.scan.cve == "off") {
      fail("--format gitlab prints the container-scanning report of a CVE scan: add --cve");
    }
    util::init_logging(streams.err, p.verbose ? util::Verbosity::verbose : util::Verbosity::normal);
    apply_creds(p, p.scan.source);
    if (p.fleet.images.size() == 1 && !p.fleet.images_from && !p.fleet.store &&
        p.fleet.shard.empty()) {
      p.scan.image = p.fleet.images.front();
      return run_scan(p.scan, streams);
    }
    if (p.scan.format != OutputFormat::text && p.scan.format != OutputFormat::json) {
      fail(
          "--format sarif, junit and gitlab print one image's results: with several images, "
          "each image's output directory holds results.sarif, junit.xml and "
          "gl-container-scanning-report.json");
    }
    p.fleet.scan = p.scan;
    return run_fleet_scan(p.fleet, streams);
  }
  util::init_logging(streams.err, p.verbose ? util::Verbosity::verbose : util::Verbosity::normal);
  if (app.got_subcommand("feeds")) {
    return run_feeds(p.feeds, streams);
  }
  if (app.got_subcommand("report")) {
    return run_report(p.report, streams);
  }
  if (app.got_subcommand("list")) {
    apply_creds(p, p.list.source);
    return run_list(p.list, streams);
  }
  apply_creds(p, p.inspect.source);
  return run_inspect(p.inspect, streams);
}

// The whole command line: the app and what its options are bound to (they must not move).
struct Cli {
  CLI::App app{"imgscap: scan container images with SCAP content (OpenSCAP)", "imgscap"};
  Parsed parsed;
  std::optional<std::filesystem::path> config;
  CLI::App* config_show = nullptr;
  CLI::App* completion = nullptr;
  std::string shell;

  Cli() {
    app.set_version_flag("--version", fmt::format("imgscap {} (libopenscap {})", IMGSCAP_VERSION,
                                                  scan::openscap_version()));
    app.require_subcommand(1);
    app.fallthrough();
    app.footer(k_exit_codes);
    app.add_flag("-v,--verbose", parsed.verbose, "Debug diagnostics with timestamps on stderr");
    app.add_option("--config", config,
                   "Configuration file of option values (default: "
                   "$XDG_CONFIG_HOME/imgscap/config.yaml, then ./imgscap.yaml); "
                   "IMGSCAP_<OPTION> variables override it, flags override both")
        ->option_text("FILE");
    add_scan(app, parsed);
    add_inspect(app, parsed);
    add_feeds(app, parsed);
    add_report(app, parsed);
    add_list(app, parsed);
    auto* config_command = app.add_subcommand("config", "Show the settings in effect");
    config_command->require_subcommand(1);
    config_show = config_command->add_subcommand(
        "show",
        "Each option of scan (followed by any scan arguments) with its value and where it "
        "comes from: command line, environment, configuration file or default");
    config_show->allow_extras();
    config_show->fallthrough(false);  // its extras are scan's arguments
    completion = app.add_subcommand(
        "completion",
        "Print the shell completion script for bash, zsh or fish (the package installs them)");
    completion->add_option("SHELL", shell, "bash, zsh or fish")
        ->required()
        ->check(CLI::IsMember({"bash", "zsh", "fish"}))
        ->option_text("bash|zsh|fish");
  }

  // The deepest subcommand the command line chose.
  [[nodiscard]] const CLI::App* command() const {
    const CLI::App* deepest = &app;
    while (!deepest->get_subcommands().empty()) {
      deepest = deepest->get_subcommands().front();
    }
    return deepest;
  }
};

// Parses into `cli`; a code to exit with when parsing ended the run (help, version, an error).
std::optional<int> parse(Cli& cli, const std::vector<std::string>& args, const Streams& streams) {
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    cli.app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    streams.out << cli.command()->help();
    return 0;
  } catch (const CLI::CallForVersion&) {
    streams.out << cli.app.version() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      streams.out << cli.app.help("", CLI::AppFormatMode::All);
      return 0;
    }
    streams.err << "imgscap: error: " << e.what() << "\nRun 'imgscap --help' for usage.\n";
    return static_cast<int>(ExitCode::error);
  }
  return std::nullopt;
}

// `args` with the settings the command line left unset, right after the command's name.
std::vector<std::string> with_settings(const std::vector<std::string>& args, const Cli& cli,
                                       const Settings& settings) {
  const auto* command = cli.command();
  auto extra = setting_arguments(*command, settings);
  auto out = args;
  auto at = std::find(out.begin(), out.end(), command->get_name());
  out.insert(at == out.end() ? out.end() : at + 1, extra.begin(), extra.end());
  return out;
}

int run_parsed(const std::vector<std::string>& args, const Streams& streams) {
  auto cli = std::make_unique<Cli>();
  if (const auto code = parse(*cli, args, streams)) {
    return *code;
  }
  if (cli->completion->parsed()) {
    streams.out << completion_script(describe(cli->app), cli->shell);
    return 0;
  }
  if (cli->config_show->parsed()) {
    std::vector<std::string> scan_args{"scan"};
    for (const auto& extra : cli->config_show->remaining()) {
      scan_args.push_back(extra);
    }
    auto shown = std::make_unique<Cli>();
    if (const auto code = parse(*shown, scan_args, streams)) {
      return *code;
    }
    const auto settings = read_settings(config_file(shown->config ? shown->config : cli->config),
                                        long_option_names(cli->app), environ);
    streams.out << render_settings(*shown->app.get_subcommand("scan"), settings);
    return 0;
  }
  const auto settings =
      read_settings(config_file(cli->config), long_option_names(cli->app), environ);
  const auto full = with_settings(args, *cli, settings);
  if (full.size() != args.size()) {
    cli = std::make_unique<Cli>();
    if (const auto code = parse(*cli, full, streams)) {
      return *code;
    }
  }
  return dispatch(cli->app, cli->parsed, streams);
}

}  // namespace

int run(const std::vector<std::string>& args, const Streams& streams) {
  util::init_logging(streams.err, util::Verbosity::normal);
  try {
    return run_parsed(args, streams);
  } catch (const Error& e) {
    spdlog::error("error: {}", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    spdlog::error("error: {}", e.what());
    return static_cast<int>(ExitCode::error);
  }
}

int run(int argc, char** argv) {
  util::install_signal_handlers();
  std::vector<std::string> args(argv + 1, argv + argc);
  return run(args, Streams{std::cout, std::cerr, ::isatty(STDERR_FILENO) == 1});
}

}  // namespace imgscap::cli
