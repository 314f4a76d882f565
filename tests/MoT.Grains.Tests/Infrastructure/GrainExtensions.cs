using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Contracts.Sweeps;

namespace MoT.Grains.Tests.Infrastructure;

public static class GrainExtensions
{
    public static ISchedulerGrain Scheduler(this IGrainFactory grains) => grains.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler);

    public static Task<RunSnapshot> WaitForRunAsync(this IRunGrain run, Func<RunSnapshot, bool> done, string what, int seconds = 30) =>
        Eventually.WaitAsync(run.GetSnapshotAsync, done, $"run {run.GetPrimaryKey()} {what}", TimeSpan.FromSeconds(seconds));

    public static Task<RunSnapshot> WaitUntilFinishedAsync(this IRunGrain run, int seconds = 30) =>
        run.WaitForRunAsync(s => s.Status.IsTerminal(), "to finish", seconds);

    public static Task<SweepSnapshot> WaitUntilFinishedAsync(this ISweepGrain sweep, int seconds = 60) =>
        Eventually.WaitAsync(sweep.GetSnapshotAsync, s => s.Status.IsFinished(),
            $"sweep {sweep.GetPrimaryKey()} to finish", TimeSpan.FromSeconds(seconds));
}
