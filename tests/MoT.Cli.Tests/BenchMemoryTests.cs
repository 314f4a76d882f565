using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MoT.Cli.Bench;

namespace MoT.Cli.Tests;

/// <summary>
/// `mot bench memory` at a toy size, through the real program: the silo and the dashboard run as child processes, the
/// table has every row and its numbers are consistent (timings are not asserted; the benchmark exists to measure them).
/// </summary>
public sealed partial class BenchMemoryTests
{
    [Fact]
    public async Task A_small_memory_benchmark_prints_every_row_with_consistent_figures()
    {
        using var folder = new ScratchFolder();
        var run = await MotProcess.RunAsync(folder.Path, "bench", "memory", "--queued", "20", "--trainings", "1", "--hold-seconds", "2",
            "--pages", "2", "--actions", "1");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Output}\n{run.Error}");
        var table = run.Output;
        double Value(string row) => double.Parse(Row().Matches(table).Single(m => m.Groups["name"].Value.Trim() == row).Groups["value"].Value, CultureInfo.InvariantCulture);

        Assert.Contains("silo: 1 training(s), 20 queued", table);
        var silo = new[] { "after start", "with the trainings running", "after enqueuing", "at the end of the hold" }.Select(s => Value($"silo RSS {s} (MiB)")).ToList();
        var siloPeak = Value("silo RSS peak, VmHWM (MiB)");
        Assert.All(silo, mib => Assert.InRange(mib, 20, 8192));
        Assert.All(silo, mib => Assert.True(mib <= siloPeak + 1, $"a reading {mib} MiB above the high-water mark {siloPeak} MiB\n{table}"));
        Assert.Matches(@"silo RSS peak, VmHWM \(MiB\)\s+\d+\s+\d+\s+(PASS|FAIL)", table);
        Assert.Matches(@"[1-9]\d* steps trained", table); // the training went on during the hold

        Assert.Contains("dashboard: 2 run pages open (live circuits), 2 of 2 sampled showed their run's step advance", table);
        var dashboard = new[] { "after start", "with the pages open", "at the end" }.Select(s => Value($"dashboard RSS {s} (MiB)")).ToList();
        Assert.All(dashboard, mib => Assert.InRange(mib, 20, 8192));
        Assert.All(dashboard, mib => Assert.True(mib <= Value("dashboard RSS peak, VmHWM (MiB)") + 1));
        foreach (var (action, timed) in new[] { ("apply or clear a filter (Enter)", 2), ("open a run from the grid", 1), ("back to the Runs page", 1), ("all actions", 4),
                     ("same filters typed, 300 ms debounce incl.", 2) })
        {
            Assert.Contains($"{action} ms p50 ({timed} timed)", table);
            var p50 = Value($"{action} ms p50 ({timed} timed)");
            var p95 = Value($"{action} ms p95");
            Assert.InRange(p50, 0, 30_000);
            Assert.True(p50 <= p95, $"{action}: p50 {p50} above p95 {p95}");
        }

        Assert.Matches(@"all actions ms p95\s+\d+\s+200\s+(PASS|FAIL)", table);
        // Typing and pausing waits out the box's debounce, so it cannot be faster than it; that row is not judged.
        Assert.True(Value("same filters typed, 300 ms debounce incl. ms p50 (2 timed)") >= 300, table);
        Assert.Matches(@"debounce incl\. ms p95\s+\d+\s*\n", table);
    }

    [Fact]
    public async Task An_unknown_part_is_one_line_naming_the_flag()
    {
        using var folder = new ScratchFolder();
        var run = await MotProcess.RunAsync(folder.Path, "bench", "memory", "--part", "browser");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: --part: use all, silo or dashboard (got 'browser')", run.Error.Trim());
    }

    [Fact]
    public void Resident_memory_read_from_proc_status_agrees_with_the_runtime_working_set()
    {
        using var self = Process.GetCurrentProcess();
        var (resident, peak) = ProcessMemory.Read(self.Id);
        self.Refresh();
        var workingSet = self.WorkingSet64 / 1024.0 / 1024.0;

        Assert.InRange(resident, workingSet * 0.8, workingSet * 1.25);
        Assert.True(peak >= resident);
    }

    [GeneratedRegex(@"^(?<name>  [^\n]*?)\s+(?<value>\d+)(\s+\d+\s+(PASS|FAIL))?\s*$", RegexOptions.Multiline)]
    private static partial Regex Row();
}
