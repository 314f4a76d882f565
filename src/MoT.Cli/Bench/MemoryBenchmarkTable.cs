using System.Globalization;
using System.Text;

namespace MoT.Cli.Bench;

/// <summary>Prints the results of <c>mot bench memory</c> as one table, with PASS/FAIL against the stated limit and target.</summary>
internal static class MemoryBenchmarkTable
{
    public static string Format(MemoryBenchmarkSettings settings, SiloMemoryResult? silo, DashboardMemoryResult? dashboard)
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

        Line($"{"measure",-58} {"value",10} {"limit",10} {"result",6}");
        if (silo is not null)
        {
            Line($"silo: {silo.Trainings} training(s), {silo.Queued} queued, simulated executor; {silo.StepsDuringHold} steps trained in the {silo.HoldSeconds:F0} s hold");
            Line($"{"  silo RSS after start (MiB)",-58} {silo.AfterStartMiB,10:F0}");
            Line($"{"  silo RSS with the trainings running (MiB)",-58} {silo.AfterTrainingsMiB,10:F0}");
            Line($"{"  silo RSS after enqueuing (MiB)",-58} {silo.AfterEnqueueMiB,10:F0}");
            Line($"{"  silo RSS at the end of the hold (MiB)",-58} {silo.EndMiB,10:F0}");
            Line($"{"  silo RSS peak, VmHWM (MiB)",-58} {silo.PeakMiB,10:F0} {settings.SiloLimitMiB,10:F0} {Verdict(silo.PeakMiB <= settings.SiloLimitMiB),6}");
        }

        if (dashboard is not null)
        {
            Line($"dashboard: {dashboard.Pages} run pages open (live circuits), {dashboard.PagesStreaming} of {dashboard.PagesSampled} sampled showed their run's step advance when brought to the front");
            Line($"  (one run page in front while they stream, the others background tabs; the acting page in front during the actions)");
            Line($"{"  dashboard RSS after start (MiB)",-58} {dashboard.AfterStartMiB,10:F0}");
            Line($"{"  dashboard RSS with the pages open (MiB)",-58} {dashboard.WithPagesMiB,10:F0}");
            Line($"{"  dashboard RSS at the end (MiB)",-58} {dashboard.EndMiB,10:F0}");
            Line($"{"  dashboard RSS peak, VmHWM (MiB)",-58} {dashboard.PeakMiB,10:F0}");
            Cpu("while the pages only stream", dashboard.Streaming, dashboard.Pages);
            Line($"{"  one page's circuit: frames received per s",-58} {dashboard.Traffic.FramesPerSecond,10:F1}");
            Line($"{"  one page's circuit: KiB received per s",-58} {dashboard.Traffic.KiBPerSecond,10:F1}");
            Line($"{"  one page's circuit: largest frame (KiB)",-58} {dashboard.Traffic.LargestFrameKiB,10:F1}");
            Cpu("during the timed actions", dashboard.DuringActions, dashboard.Pages);
            foreach (var action in dashboard.Actions)
            {
                Line($"{$"  {action.Action} ms p50 ({action.SortedMs.Count} timed)",-58} {action.P50,10:F0}");
                if (action.Judged)
                    Line($"{$"  {action.Action} ms p95",-58} {action.P95,10:F0} {settings.ActionTargetMs,10:F0} {Verdict(action.P95 <= settings.ActionTargetMs),6}");
                else
                    Line($"{$"  {action.Action} ms p95",-58} {action.P95,10:F0}");
            }
        }

        return text.ToString();

        void Cpu(string when, CpuSplit cpu, int pages)
        {
            Line($"  cores busy {when} ({cpu.Seconds:F0} s; the machine has {cpu.MachineCores}):");
            Line($"{"    dashboard process (cores)",-58} {cpu.DashboardCores,10:F2}");
            Line($"{"    dashboard process per open page (ms CPU per s)",-58} {cpu.DashboardCores * 1000 / pages,10:F1}");
            Line($"{"    browser, all its processes (cores)",-58} {cpu.BrowserCores,10:F2}");
            Line($"{"    whole machine, everything on it (cores)",-58} {cpu.MachineBusyCores,10:F2}");
        }
    }

    private static string Verdict(bool pass) => pass ? "PASS" : "FAIL";
}
