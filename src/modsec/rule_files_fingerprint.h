#pragma once
// RuleFilesFingerprint: a digest of the files a rule set is read from, so that a reload can keep
// the previous generation's parsed rules when nothing on disk changed (a CRS parse costs ~50 ms
// and ~20 MB, and a fresh one per reload is what makes nginx + ModSecurity's memory climb).

#include <string>
#include <vector>

namespace rampart::modsec {

// "path=size:content-hash;" for each file in `files` and every *.conf and *.data file in their
// directories (Include targets and @pmFromFile data files sit beside the rules that use them),
// in path order. Equal fingerprints: the same rules on disk.
// A missing or unreadable file counts as a distinct state, never an error: the parse that
// follows reports it properly.
std::string RuleFilesFingerprint(const std::vector<std::string>& files);

}  // namespace rampart::modsec
