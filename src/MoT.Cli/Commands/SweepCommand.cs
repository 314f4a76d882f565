using System.CommandLine;
using System.Globalization;
using MoT.Cli.Api;
using MoT.Contracts.Sweeps;
using MoT.Silo.Sweeps;

namespace MoT.Cli.Commands;

/// <summary>
/// <c>mot sweep submit|status|cancel|pause|resume|extend</c>: sweeps on the running platform, from the same YAML the dashboard's
/// "New sweep" page shows (copy it from there, or write it by hand). Through the HTTP API as the signed-in user
/// (<c>mot login</c>); operators on a cluster host can go to the gateway directly (<c>--gateway</c>).
/// </summary>
internal static class SweepCommand
{
    public static Command Create() => new("sweep", "Submit, follow, pause, resume, extend and cancel sweeps on the running platform")
    {
        Submit(),
        Status(),
        Cancel(),
        SweepControlCommands.Pause(),
        SweepControlCommands.Resume(),
        SweepControlCommands.Extend(),
    };

    private static Command Submit()
    {
        var cluster = new ClusterConnection();
        var gateway = ApiCommandOptions.Gateway();
        var file = new Argument<FileInfo>("spec") { Description = "Sweep YAML (the dashboard's New sweep YAML view)" };
        var owner = new Option<string?>("--owner") { Description = "With --gateway only: who the sweep's runs belong to (default: your login name). Through the API they are always yours." };
        var wait = new Option<bool>("--wait") { Description = "Follow the sweep until it ends, printing its trials" };
        var command = new Command("submit", "Validate a sweep spec and queue its runs") { file, owner, wait, gateway };
        cluster.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            var path = parse.GetValue(file)!.FullName;
            var spec = SweepFile.Read(path, parse.GetValue(owner) ?? Environment.UserName);
            if (spec.Errors.Count > 0) return Rejected(spec.Errors);

            using var api = ApiCommandOptions.Choose(parse, gateway, cluster);
            if (api is not null)
            {
                if (parse.GetValue(owner) is not null)
                    throw new InvalidOperationException("--owner: not accepted through the API; a sweep belongs to the user of the token (operators: --gateway)");
                ApiSweepCreated created;
                try
                {
                    created = await api.PostAsync<ApiSweepCreated>("sweeps", PlatformApi.Yaml(await File.ReadAllTextAsync(path, cancel)), cancel);
                }
                catch (ApiRefusedException refused) when (refused.Problems.Count > 0)
                {
                    return Rejected([.. refused.Problems.Select(p => new SpecError(p.Path, p.Message))]);
                }

                Console.WriteLine($"sweep {created.SweepId} queued with {created.RunIds.Count} run(s), seed {created.Seed}; follow it with: mot sweep status {created.SweepId}");
                return parse.GetValue(wait) ? await FollowAsync(new ApiSweep(api, created.SweepId), cancel) : 0;
            }

            using var host = await cluster.ConnectAsync(parse, cancel);
            var sweepId = Guid.NewGuid();
            var submission = await ClusterConnection.Client(host).GetGrain<ISweepGrain>(sweepId).SubmitAsync(spec.Spec!);
            if (!submission.Accepted) return Rejected(submission.Errors);

            Console.WriteLine($"sweep {sweepId} queued with {submission.RunIds.Count} run(s), seed {submission.Seed}; follow it with: mot sweep status {sweepId} --gateway");
            return parse.GetValue(wait) ? await FollowAsync(Gateway(host, sweepId), cancel) : 0;
        });
        return command;
    }

    private static Command Status()
    {
        var cluster = new ClusterConnection();
        var gateway = ApiCommandOptions.Gateway();
        var id = new Argument<Guid>("sweep-id");
        var wait = new Option<bool>("--wait") { Description = "Follow the sweep until it ends" };
        var command = new Command("status", "A sweep's trials, their status and losses, and the best run") { id, wait, gateway };
        cluster.AddTo(command);
        command.SetAction((parse, cancel) => WithSweepAsync(parse, cluster, gateway, parse.GetValue(id), async sweep =>
        {
            var view = await sweep.GetAsync(cancel);
            if (parse.GetValue(wait)) return await FollowAsync(sweep, cancel);
            await PrintAsync(sweep, view, cancel);
            return 0;
        }, cancel));
        return command;
    }

    private static Command Cancel()
    {
        var cluster = new ClusterConnection();
        var gateway = ApiCommandOptions.Gateway();
        var id = new Argument<Guid>("sweep-id");
        var command = new Command("cancel", "Stop a sweep: queued runs are dropped, running ones cancelled") { id, gateway };
        cluster.AddTo(command);
        command.SetAction((parse, cancel) => WithSweepAsync(parse, cluster, gateway, parse.GetValue(id), async sweep =>
        {
            await sweep.GetAsync(cancel); // an unknown id is named, not silently "cancelled"
            // Cancelling a finished sweep is a no-op, said plainly, not an error.
            Console.WriteLine(await sweep.CancelAsync(cancel));
            return 0;
        }, cancel));
        return command;
    }

    /// <summary>Runs <paramref name="action"/> on the sweep through the API, or the gateway for operators.</summary>
    internal static async Task<int> WithSweepAsync(ParseResult parse, ClusterConnection cluster, Option<bool> gateway, Guid sweepId,
        Func<ISweepSource, Task<int>> action, CancellationToken cancel)
    {
        using var api = ApiCommandOptions.Choose(parse, gateway, cluster);
        if (api is not null) return await action(new ApiSweep(api, sweepId));
        using var host = await cluster.ConnectAsync(parse, cancel);
        return await action(Gateway(host, sweepId));
    }

    private static GatewaySweep Gateway(Microsoft.Extensions.Hosting.IHost host, Guid sweepId) =>
        new(ClusterConnection.Client(host), sweepId, $"{Environment.UserName} (mot --gateway)");

    private static int Rejected(IReadOnlyList<SpecError> errors)
    {
        Console.Error.WriteLine($"error: the sweep spec has {errors.Count} problem(s); nothing was queued:");
        foreach (var error in errors) Console.Error.WriteLine(error.Path.Length == 0 ? $"  {error.Message}" : $"  {error.Path}: {error.Message}");
        return 1;
    }

    private static async Task<int> FollowAsync(ISweepSource sweep, CancellationToken cancel)
    {
        var last = "";
        while (true)
        {
            var view = await sweep.GetAsync(cancel);
            var line = $"{view.Status}: {view.Counts.Total - view.Counts.Active}/{view.Counts.Total} trials done ({view.Counts}), best eval loss {Loss(view.BestEvalLoss)}";
            if (line != last) Console.WriteLine(line);
            last = line;
            if (view.Status.IsFinished())
            {
                await PrintAsync(sweep, view, cancel);
                return view.Status == SweepStatus.Completed ? 0 : 1;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancel);
        }
    }

    private static async Task PrintAsync(ISweepSource sweep, SweepView view, CancellationToken cancel)
    {
        Console.WriteLine($"sweep {view.SweepId} ({view.Name}): {view.Status} ({view.Counts}), best run {view.BestRunId?.ToString() ?? "-"} at eval loss {Loss(view.BestEvalLoss)}");
        if (view.Seed is { } seed) Console.WriteLine($"{view.Method} search, seed {seed} (give seed: {seed} in the YAML to draw the same trials)");
        Console.WriteLine($"{"trial",5} {"run",-36} {"status",-40} {"best eval",9}  parameters");
        foreach (var trial in view.Trials)
            Console.WriteLine($"{trial.Index,5} {trial.RunId,-36} {await sweep.TrialStatusAsync(trial, cancel),-40} {Loss(trial.BestEvalLoss),9}  {trial.ParametersJson}");
    }

    private static string Loss(double? loss) => loss?.ToString("F4", CultureInfo.InvariantCulture) ?? "-";

    private sealed record ApiSweepCreated(Guid SweepId, IReadOnlyList<Guid> RunIds, int? Seed);
}
