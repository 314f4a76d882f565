using System.CommandLine;
using System.Globalization;
using MoT.Contracts.Sweeps;
using MoT.Silo.Sweeps;

namespace MoT.Cli.Commands;

/// <summary>
/// <c>mot sweep submit|status|cancel</c>: sweeps on the running platform, from the same YAML the dashboard's
/// "New sweep" page shows (copy it from there, or write it by hand).
/// </summary>
internal static class SweepCommand
{
    public static Command Create() => new("sweep", "Submit, follow and cancel sweeps on the running platform")
    {
        Submit(),
        Status(),
        Cancel(),
    };

    private static Command Submit()
    {
        var cluster = new ClusterConnection();
        var file = new Argument<FileInfo>("spec") { Description = "Sweep YAML (the dashboard's New sweep YAML view)" };
        var owner = new Option<string>("--owner") { Description = "Who the sweep's runs belong to", DefaultValueFactory = _ => Environment.UserName };
        var wait = new Option<bool>("--wait") { Description = "Follow the sweep until it ends, printing its trials" };
        var command = new Command("submit", "Validate a sweep spec and queue its runs") { file, owner, wait };
        cluster.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            var spec = ReadSpec(parse.GetValue(file)!, parse.GetValue(owner)!);
            if (spec.Errors.Count > 0) return Rejected(spec.Errors);

            using var host = await cluster.ConnectAsync(parse, cancel);
            var sweep = ClusterConnection.Client(host).GetGrain<ISweepGrain>(Guid.NewGuid());
            var submission = await sweep.SubmitAsync(spec.Spec!);
            if (!submission.Accepted) return Rejected(submission.Errors);

            var seed = (await sweep.GetSnapshotAsync()).Spec?.Seed;
            Console.WriteLine($"sweep {sweep.GetPrimaryKey()} queued with {submission.RunIds.Count} run(s), seed {seed}; follow it with: mot sweep status {sweep.GetPrimaryKey()}");
            return parse.GetValue(wait) ? await FollowAsync(ClusterConnection.Client(host), sweep, cancel) : 0;
        });
        return command;
    }

    private static Command Status()
    {
        var cluster = new ClusterConnection();
        var id = new Argument<Guid>("sweep-id");
        var wait = new Option<bool>("--wait") { Description = "Follow the sweep until it ends" };
        var command = new Command("status", "A sweep's trials, their status and losses, and the best run") { id, wait };
        cluster.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            using var host = await cluster.ConnectAsync(parse, cancel);
            var grains = ClusterConnection.Client(host);
            var sweep = grains.GetGrain<ISweepGrain>(parse.GetValue(id));
            var snapshot = await RequireSubmittedAsync(sweep);
            if (parse.GetValue(wait)) return await FollowAsync(grains, sweep, cancel);
            await PrintAsync(grains, snapshot);
            return 0;
        });
        return command;
    }

    private static Command Cancel()
    {
        var cluster = new ClusterConnection();
        var id = new Argument<Guid>("sweep-id");
        var command = new Command("cancel", "Stop a sweep: queued runs are dropped, running ones cancelled") { id };
        cluster.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            using var host = await cluster.ConnectAsync(parse, cancel);
            var sweep = ClusterConnection.Client(host).GetGrain<ISweepGrain>(parse.GetValue(id));
            await RequireSubmittedAsync(sweep);
            // Cancelling a finished sweep is a no-op, said plainly, not an error.
            Console.WriteLine((await sweep.CancelAsync($"cancelled by {Environment.UserName} (mot sweep cancel)")).Message);
            return 0;
        });
        return command;
    }

    private static async Task<SweepSnapshot> RequireSubmittedAsync(ISweepGrain sweep)
    {
        var snapshot = await sweep.GetSnapshotAsync();
        return snapshot.Status == SweepStatus.NotSubmitted
            ? throw new InvalidOperationException($"no sweep {sweep.GetPrimaryKey()} was submitted to this cluster")
            : snapshot;
    }

    /// <summary>Every problem of the file, by field path, before anything reaches the cluster.</summary>
    private static (SweepSpec? Spec, IReadOnlyList<SpecError> Errors) ReadSpec(FileInfo file, string owner)
    {
        var result = SweepFile.Read(file.FullName, owner);
        return (result.Spec, result.Errors);
    }

    private static int Rejected(IReadOnlyList<SpecError> errors)
    {
        Console.Error.WriteLine($"error: the sweep spec has {errors.Count} problem(s); nothing was queued:");
        foreach (var error in errors) Console.Error.WriteLine(error.Path.Length == 0 ? $"  {error.Message}" : $"  {error.Path}: {error.Message}");
        return 1;
    }

    private static async Task<int> FollowAsync(IGrainFactory grains, ISweepGrain sweep, CancellationToken cancel)
    {
        var last = "";
        while (true)
        {
            var snapshot = await sweep.GetSnapshotAsync();
            var line = $"{snapshot.Status}: {snapshot.Counts.Total - snapshot.Counts.Active}/{snapshot.Counts.Total} trials done ({snapshot.Counts}), best eval loss {Loss(snapshot.BestEvalLoss)}";
            if (line != last) Console.WriteLine(line);
            last = line;
            if (snapshot.Status.IsFinished())
            {
                await PrintAsync(grains, snapshot);
                return snapshot.Status == SweepStatus.Completed ? 0 : 1;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancel);
        }
    }

    private static async Task PrintAsync(IGrainFactory grains, SweepSnapshot snapshot)
    {
        Console.WriteLine($"sweep {snapshot.SweepId} ({snapshot.Spec?.Name}): {snapshot.Status} ({snapshot.Counts}), best run {snapshot.BestRunId?.ToString() ?? "-"} at eval loss {Loss(snapshot.BestEvalLoss)}");
        if (snapshot.Spec is { } spec) Console.WriteLine($"{spec.Method.ToString().ToLowerInvariant()} search, seed {spec.Seed} (give seed: {spec.Seed} in the YAML to draw the same trials)");
        Console.WriteLine($"{"trial",5} {"run",-36} {"status",-40} {"best eval",9}  parameters");
        foreach (var trial in snapshot.Trials)
            Console.WriteLine($"{trial.Index,5} {trial.RunId,-36} {await TrialStatusAsync(grains, trial),-40} {Loss(trial.BestEvalLoss),9}  {trial.ParametersJson}");
    }

    /// <summary>
    /// The run's own status, as everywhere else (Queued, Running, Preempted, Completed, Pruned, Cancelled, Failed with its
    /// class): a trial that is not finished is queued, running or preempted, never a vague "Active".
    /// </summary>
    private static async Task<string> TrialStatusAsync(IGrainFactory grains, TrialSnapshot trial)
    {
        try
        {
            var run = await grains.GetGrain<MoT.Contracts.Runs.IRunGrain>(trial.RunId).GetSnapshotAsync();
            return MoT.Contracts.Runs.RunStatusExtensions.Describe(run.Status, run.FailureClass);
        }
        catch (KeyNotFoundException)
        {
            return trial.Status == TrialStatus.Active ? "Queued" : trial.Status.ToString(); // its run is being created
        }
    }

    private static string Loss(double? loss) => loss?.ToString("F4", CultureInfo.InvariantCulture) ?? "-";
}
