using System.Globalization;
using System.Text;

namespace MoT.Cli.Bench;

/// <summary>Prints a <see cref="SchedulerBenchmarkResult"/> as the tables of <c>mot bench scheduler</c>.</summary>
internal static class SchedulerBenchmarkTable
{
    public static string Format(SchedulerBenchmarkResult r)
    {
        var s = r.Settings;
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

        Line($"setting: {s.Runs} runs from {s.Owners} owners queued behind blockers, {s.GpuSilos} gpu silos x {s.SlotsPerSilo} slots, simulated runs of {s.RunMilliseconds} ms");
        Line($"{"measure",-44} {"p50",9} {"p99",9} {"max",9}");
        Line($"{"dispatch latency ms (ready -> running)",-44} {r.DispatchP50,9:F1} {r.DispatchP99,9:F1} {r.DispatchMax,9:F1}");
        Line($"{"queued -> running ms (incl. wait for a slot)",-44} {r.QueuedToRunningP50,9:F0} {r.QueuedToRunningP99,9:F0} {"",9}");
        Line($"{"floor: one client -> slot grain call ms",-44} {r.GrainCallP50,9:F2} {r.GrainCallP99,9:F2} {"",9}");
        foreach (var (phase, p50, p99, max) in r.Phases)
            Line($"{phase,-44} {p50,9:F1} {p99,9:F1} {max,9:F1}");
        foreach (var slow in r.Slowest)
            Line($"  slow: {slow}");
        Line($"garbage collections during the drain: gen0 {r.Collections.Gen0}, gen1 {r.Collections.Gen1}, gen2 {r.Collections.Gen2}, paused {r.Collections.PausedMs:F0} ms in all");
        Line($"dispatches {r.Dispatches}, most queued at once {r.MaxQueued}, drained in {r.Seconds:F1} s (a run finished every {r.FinishIntervalMs:F1} ms)");
        Line($"grain calls per dispatch {r.CallsPerDispatch:F1} ({r.GrainCalls} platform grain calls for {r.AllDispatches} runs, blockers included; the benchmark's polling not counted):");
        Line($"  {"method",-44} {"per dispatch",12} {"mean ms",8}");
        foreach (var (method, perDispatch, meanMs) in r.TopCalls)
            Line($"  {method,-44} {perDispatch,12:F2} {meanMs,8:F2}");
        var (queueing, drain, writeMs) = r.SchedulerWrites;
        Line($"scheduler state writes: {queueing} while {s.Runs} runs were queued, {drain} during the drain ({(r.Dispatches == 0 ? 0 : (double)drain / r.Dispatches):F2} per dispatch), {writeMs:F2} ms each");
        Line($"scheduler grain busy {r.SchedulerBusyShare * 100:F0}% of the time in calls (its dispatch timer turns not included)");
        Line($"{"owner",-10} {"queued",7} {"queued %",9} {"dispatched*",12} {"dispatch %",11} {"equal %",8}");
        foreach (var o in r.Owners)
            Line($"{o.Owner,-10} {o.Queued,7} {o.QueuedShare * 100,9:F1} {o.DispatchedWhileAllWaiting,12} {o.DispatchShare * 100,11:F1} {100.0 / r.Owners.Count,8:F1}");
        Line($"* dispatches made while every owner still had runs waiting; largest gap to an equal share {r.WorstShareGap * 100:F1} points");
        return text.ToString();
    }
}
