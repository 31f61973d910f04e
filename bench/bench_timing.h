#pragma once
// The timing harness of the in-process benches (auth_bench, bot_bench; access_bench takes its
// clock and Die): a case is a call that returns true for the expected answer, timed in the
// thread's CPU time (the machine is shared), not wall time. Per case: warm-up calls for a tenth
// of the budget, then samples of a batch of calls (sized so that a sample takes at least 200 us)
// until the budget is spent, at least 5 samples. Reported: the median µs per call over the
// samples, their 10th and 90th percentiles.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace rampart::bench {

// The program's name in its error messages; each bench defines it.
extern const char kBenchName[];

// Prints "<bench>: <message>" to stderr and exits with 1.
[[noreturn]] inline void Die(const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", kBenchName, message.c_str());
  std::exit(1);
}

inline double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The value at `q` (0..1) of sorted `v`, nearest rank.
inline double Quantile(const std::vector<double>& v, double q) {
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

struct Row {
  std::string name;
  std::string detail;
  std::vector<double> us;  // per call, one value a sample, sorted
  size_t batch = 0;
};

// Times `call` as the header comment says; a wrong answer (false) is fatal.
inline Row Measure(std::string name, std::string detail, const std::function<bool()>& call,
                   double budget_s) {
  if (!call()) Die(name + ": wrong answer");
  size_t warm = 0;
  const double w0 = CpuSeconds();
  while (CpuSeconds() - w0 < budget_s / 10) {
    call();
    ++warm;
  }
  const double per_call = warm > 0 ? (CpuSeconds() - w0) / static_cast<double>(warm) : budget_s;
  const size_t batch = std::max<size_t>(1, static_cast<size_t>(200e-6 / per_call));
  Row row{std::move(name), std::move(detail), {}, batch};
  const double t0 = CpuSeconds();
  while (row.us.size() < 5 || CpuSeconds() - t0 < budget_s) {
    size_t ok = 0;
    const double s0 = CpuSeconds();
    for (size_t i = 0; i < row.batch; ++i) ok += call() ? 1 : 0;
    const double s1 = CpuSeconds();
    if (ok != row.batch) Die(row.name + ": wrong answer");
    row.us.push_back((s1 - s0) * 1e6 / static_cast<double>(row.batch));
  }
  std::sort(row.us.begin(), row.us.end());
  return row;
}

// When argv[i] is "--budget-ms": reads the next argument into `budget_ms` (a positive number of
// milliseconds, fatal otherwise), steps `i` onto it and returns true.
inline bool TakeBudgetMs(int argc, char** argv, int& i, double& budget_ms) {
  if (std::string(argv[i]) != "--budget-ms" || i + 1 >= argc) return false;
  char* end = nullptr;
  budget_ms = std::strtod(argv[++i], &end);
  if (*end != '\0' || budget_ms <= 0) Die("--budget-ms: not a positive number");
  return true;
}

// The rows as a Markdown table on stdout.
inline void PrintRows(const std::vector<Row>& rows) {
  std::printf(
      "| case | what | us/call (median) | p10-p90 us | calls/s, one core | samples x batch |\n"
      "|---|---|---:|---:|---:|---:|\n");
  for (const Row& r : rows) {
    const double median = Quantile(r.us, 0.5);
    std::printf("| %s | %s | %.2f | %.2f-%.2f | %.0f | %zu x %zu |\n", r.name.c_str(),
                r.detail.c_str(), median, Quantile(r.us, 0.1), Quantile(r.us, 0.9), 1e6 / median,
                r.us.size(), r.batch);
  }
}

}  // namespace rampart::bench
