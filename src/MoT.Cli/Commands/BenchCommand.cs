using System.CommandLine;
using System.Globalization;
using MoT.Cli.Bench;
using MoT.Training.Training;

namespace MoT.Cli.Commands;

/// <summary><c>mot bench ...</c>: benchmarks that print tables (speed and quality targets live here,
/// not in timed unit tests).</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks that print tables") { Compare(), Step(), BenchGpuCommand.Create(), Ingest(), Memory(), Scheduler(), Store() };

    private static Command Ingest()
    {
        var points = new Option<int>("--points") { Description = "Metric points per provider", DefaultValueFactory = _ => 1_000_000 };
        var batch = new Option<int>("--batch-size") { Description = "Points per batch", DefaultValueFactory = _ => 50_000 };
        var writers = new Option<int>("--writers") { Description = "Concurrent ingestors", DefaultValueFactory = _ => 1 };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (without it only SQLite is measured)" };
        var sqliteDirectory = new Option<string>("--sqlite-dir") { Description = "Folder for the SQLite file", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "mot-bench-ingest") };
        var noSqlite = new Option<bool>("--no-sqlite") { Description = "Measure PostgreSQL only" };
        var resend = new Option<double>("--resend") { Description = "Share of each batch sent again at the start of the next (0 to 1): the cost of idempotent retries", DefaultValueFactory = _ => 0 };
        var command = new Command("ingest", "Metric points/s into SQLite and PostgreSQL through the production ingest path, against PostgreSQL's plain COPY ceiling measured in the same run")
            { points, batch, writers, postgres, sqliteDirectory, noSqlite, resend };
        command.SetAction(async (parse, cancel) =>
        {
            if (parse.GetValue(resend) is < 0 or > 1)
            {
                Console.Error.WriteLine($"error: --resend must be between 0 and 1, got {parse.GetValue(resend).ToString(CultureInfo.InvariantCulture)}");
                return 2;
            }
            var targets = new List<MoT.Data.MotDataOptions>();
            if (!parse.GetValue(noSqlite)) targets.Add(MoT.Data.MotDataOptions.DefaultSqlite(parse.GetValue(sqliteDirectory)!));
            if (parse.GetValue(postgres) is { } connection) targets.Add(new MoT.Data.MotDataOptions(MoT.Data.DatabaseProvider.PostgreSQL, connection));
            Console.WriteLine($"{"path",-26} {"points",10} {"batch",7} {"writers",7} {"re-sent",7} {"seconds",8} {"points/s",12} {"vs ceiling",10}");
            void Print(string path, MoT.Data.Benchmarks.IngestBenchmarkResult result, double? ceiling) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{path,-26} {result.Points,10:N0} {result.BatchSize,7:N0} {result.Writers,7} {result.ResendFraction,7:P0} {result.Elapsed.TotalSeconds,8:F2} {result.PointsPerSecond,12:N0} {(ceiling is { } c ? (result.PointsPerSecond / c).ToString("F2", CultureInfo.InvariantCulture) : "-"),10}"));
            foreach (var target in targets)
            {
                var benchmark = new MoT.Data.Benchmarks.IngestBenchmark();
                double? ceiling = null;
                if (target.Provider == MoT.Data.DatabaseProvider.PostgreSQL)
                {
                    var copy = await benchmark.RunCopyCeilingAsync(target, parse.GetValue(points), parse.GetValue(batch), cancel);
                    Print("PostgreSQL COPY ceiling", copy, copy.PointsPerSecond);
                    ceiling = copy.PointsPerSecond;
                }
                var result = await benchmark.RunAsync(target, parse.GetValue(points), parse.GetValue(batch), parse.GetValue(writers), parse.GetValue(resend), cancel);
                Print($"{result.Provider} production", result, ceiling);
            }
            if (parse.GetValue(postgres) is null) Console.WriteLine("PostgreSQL skipped: pass --postgres \"Host=127.0.0.1;Port=5432;Username=mot;Database=mot\"");
            return 0;
        });
        return command;
    }

    private static Command Store()
    {
        var runs = new Option<int>("--runs") { Description = "Runs in the store (SQLite gets a tenth)", DefaultValueFactory = _ => 100_000 };
        var points = new Option<long>("--points") { Description = "Metric points in the store (SQLite gets a tenth)", DefaultValueFactory = _ => 5_000_000 };
        var curve = new Option<int>("--curve-points") { Description = "Points of the one long curve read back downsampled", DefaultValueFactory = _ => 100_000 };
        var repetitions = new Option<int>("--repetitions") { Description = "Timed repetitions per query", DefaultValueFactory = _ => 20 };
        var postgres = new Option<string?>("--postgres") { Description = "Connection string of an EMPTY PostgreSQL database the benchmark may fill" };
        var sqliteDirectory = new Option<string?>("--sqlite-dir") { Description = "Folder for a new SQLite file (default: a temporary folder, deleted after)" };
        var noSqlite = new Option<bool>("--no-sqlite") { Description = "Measure PostgreSQL only" };
        var queriesOnly = new Option<bool>("--queries-only") { Description = "Time the queries on a store an earlier run filled (--postgres, --sqlite-dir)" };
        var command = new Command("store", "Runs page, curve and leaderboard query times on a store of 100,000 runs (PostgreSQL; SQLite at a tenth)")
            { runs, points, curve, repetitions, postgres, sqliteDirectory, noSqlite, queriesOnly };
        command.SetAction(async (parse, cancel) =>
        {
            var settings = new MoT.Data.Benchmarks.StoreBenchmarkSettings(parse.GetValue(runs), parse.GetValue(points), parse.GetValue(curve), parse.GetValue(repetitions), parse.GetValue(queriesOnly));
            if (settings.QueriesOnly && parse.GetValue(sqliteDirectory) is null && !parse.GetValue(noSqlite))
            {
                Console.Error.WriteLine("error: --queries-only: name the filled SQLite folder with --sqlite-dir, or pass --no-sqlite");
                return 2;
            }
            if (settings.Runs < 20 || settings.CurvePoints < 1 || settings.Points < settings.CurvePoints || settings.Repetitions < 1)
            {
                Console.Error.WriteLine("error: --runs must be at least 20, --curve-points at least 1, --points at least --curve-points, --repetitions at least 1");
                return 2;
            }
            if (parse.GetValue(postgres) is { } connection)
                Console.Write(StoreBenchmarkTable.Format(await new MoT.Data.Benchmarks.StoreBenchmark(settings).RunAsync(
                    new MoT.Data.MotDataOptions(MoT.Data.DatabaseProvider.PostgreSQL, connection), line => Console.Error.WriteLine(line), cancel)));
            else
                Console.WriteLine("PostgreSQL skipped: pass --postgres with an empty database");
            if (parse.GetValue(noSqlite)) return 0;

            var tenth = settings with { Runs = Math.Max(20, settings.Runs / 10), Points = Math.Max(settings.CurvePoints / 10, settings.Points / 10), CurvePoints = Math.Max(1, settings.CurvePoints / 10) };
            var folder = parse.GetValue(sqliteDirectory) ?? Path.Combine(Path.GetTempPath(), $"mot-bench-store-{Guid.NewGuid():N}");
            try
            {
                Console.Write(StoreBenchmarkTable.Format(await new MoT.Data.Benchmarks.StoreBenchmark(tenth).RunAsync(
                    MoT.Data.MotDataOptions.DefaultSqlite(folder), line => Console.Error.WriteLine(line), cancel)));
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                if (parse.GetValue(sqliteDirectory) is null && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
            return 0;
        });
        return command;
    }

    private static Command Memory()
    {
        var defaults = new MemoryBenchmarkSettings();
        var queued = new Option<int>("--queued") { Description = "Runs queued on the silo behind the trainings", DefaultValueFactory = _ => defaults.Queued };
        var trainings = new Option<int>("--trainings") { Description = "Runs training at once (CPU slots, simulated executor)", DefaultValueFactory = _ => defaults.Trainings };
        var hold = new Option<int>("--hold-seconds") { Description = "Seconds the loaded silo is watched, and the dashboard's streaming pages before the timed actions", DefaultValueFactory = _ => defaults.HoldSeconds };
        var pages = new Option<int>("--pages") { Description = "Run pages open in the browser (live circuits)", DefaultValueFactory = _ => defaults.Pages };
        var actions = new Option<int>("--actions") { Description = "Timed repetitions of each page action", DefaultValueFactory = _ => defaults.Actions };
        var limit = new Option<double>("--silo-limit-mib") { Description = "The silo's resident-memory limit (PASS/FAIL)", DefaultValueFactory = _ => defaults.SiloLimitMiB };
        var target = new Option<double>("--action-target-ms") { Description = "The page actions' p95 target (PASS/FAIL)", DefaultValueFactory = _ => defaults.ActionTargetMs };
        var chromium = new Option<string>("--chromium") { Description = "Chromium executable for the dashboard part", DefaultValueFactory = _ => defaults.Chromium };
        var dashboardDll = new Option<string?>("--dashboard-dll") { Description = "The built MoT.Dashboard.dll (default: web/MoT.Dashboard/bin of this checkout)" };
        var part = new Option<string>("--part") { Description = "all, silo or dashboard", DefaultValueFactory = _ => "all" };
        var command = new Command("memory", "Resident memory of a silo with trainings and a full queue, and of the dashboard with many live run pages, with page action times")
            { queued, trainings, hold, pages, actions, limit, target, chromium, dashboardDll, part };
        command.SetAction(async (parse, cancel) =>
        {
            var which = parse.GetValue(part)!.ToLowerInvariant();
            if (which is not ("all" or "silo" or "dashboard"))
            {
                Console.Error.WriteLine($"error: --part: use all, silo or dashboard (got '{parse.GetValue(part)}')");
                return 2;
            }
            var settings = new MemoryBenchmarkSettings(parse.GetValue(queued), parse.GetValue(trainings), parse.GetValue(hold), parse.GetValue(pages),
                parse.GetValue(actions), parse.GetValue(limit), parse.GetValue(target), parse.GetValue(chromium)!, parse.GetValue(dashboardDll),
                Silo: which != "dashboard", Dashboard: which != "silo");
            if (settings.Queued < 0 || settings.Trainings < 1 || settings.HoldSeconds < 0 || settings.Pages < 1 || settings.Actions < 1 || settings.SiloLimitMiB <= 0 || settings.ActionTargetMs <= 0)
            {
                Console.Error.WriteLine("error: --trainings, --pages and --actions must be at least 1, --queued and --hold-seconds at least 0, --silo-limit-mib and --action-target-ms above 0");
                return 2;
            }
            try
            {
                var (silo, dashboard) = await MemoryBenchmark.RunAsync(settings, line => Console.Error.WriteLine(line), cancel);
                Console.Write(MemoryBenchmarkTable.Format(settings, silo, dashboard));
                return 0;
            }
            catch (Exception error) when (error is InvalidOperationException or TimeoutException)
            {
                Console.Error.WriteLine($"error: {error.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Command Scheduler()
    {
        var runs = new Option<int>("--runs") { Description = "Runs queued at once", DefaultValueFactory = _ => 1000 };
        var silos = new Option<int>("--gpu-silos") { Description = "Gpu silos (besides the control silo)", DefaultValueFactory = _ => 8 };
        var slots = new Option<int>("--slots-per-silo") { Description = "Simulated slots per gpu silo", DefaultValueFactory = _ => 8 };
        var owners = new Option<int>("--owners") { Description = "Owners the runs are split between", DefaultValueFactory = _ => 4 };
        var runMs = new Option<double>("--run-ms") { Description = "How long one simulated run trains", DefaultValueFactory = _ => 20 };
        var command = new Command("scheduler", "Dispatch latency, fairness and grain calls per dispatch of the scheduler on an in-process cluster with simulated slots")
            { runs, silos, slots, owners, runMs };
        command.SetAction(async (parse, cancel) =>
        {
            var settings = new SchedulerBenchmarkSettings(parse.GetValue(runs), parse.GetValue(silos), parse.GetValue(slots), parse.GetValue(owners), parse.GetValue(runMs));
            if (settings.Runs < 1 || settings.GpuSilos < 1 || settings.SlotsPerSilo < 1 || settings.Owners < 1 || settings.RunMilliseconds < 0)
            {
                Console.Error.WriteLine("error: --runs, --gpu-silos, --slots-per-silo and --owners must be at least 1 and --run-ms at least 0");
                return 2;
            }
            var result = await new SchedulerBenchmark(settings).RunAsync(line => Console.Error.WriteLine(line), cancel);
            Console.Write(SchedulerBenchmarkTable.Format(result));
            return 0;
        });
        return command;
    }

    private static Command Step()
    {
        var presets = new Option<string[]>("--preset") { Description = "Presets to time (repeatable)", AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["Transformer-Tiny", "MoT-Tiny/8E", "MoT-Tiny/8E/4", "TokenChoice-Tiny/8E", "ExpertChoice-Tiny/8E"] };
        var steps = new Option<int>("--steps") { Description = "Timed steps per preset", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first", DefaultValueFactory = _ => 3 };
        var batch = new Option<int?>("--batch-size") { Description = "Batch size (default: the preset's)" };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => "auto" };
        var command = new Command("step", "Time training steps of presets in one process and print ratios to the first") { presets, steps, warmup, batch, device };
        command.SetAction(parse =>
        {
            Console.WriteLine($"{"preset",-24} {"batch",5} {"ms/step",9} {"tokens/s",10} {"GFLOP/token",11} {"time vs first",13}");
            double? first = null;
            foreach (var row in StepTimeBenchmark.Run(parse.GetValue(presets)!, parse.GetValue(steps), parse.GetValue(warmup), parse.GetValue(device)!, parse.GetValue(batch)))
            {
                first ??= row.MillisecondsPerStep;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Preset,-24} {row.BatchSize,5} {row.MillisecondsPerStep,9:F1} {row.TokensPerSecond,10:N0} {row.TrainGflopsPerToken,11:F4} {row.MillisecondsPerStep / first,12:F2}x"));
            }
            return 0;
        });
        return command;
    }

    private static Command Compare()
    {
        var size = new Option<string>("--size") { Description = "Mini, Tiny or Small", DefaultValueFactory = _ => "Tiny" };
        var experts = new Option<int>("--experts") { Description = "Group size / experts (the /NE of the presets)", DefaultValueFactory = _ => 8 };
        var families = new Option<string>("--families")
        {
            Description = "Comma-separated families to train, the first is the reference (Transformer, MoT, TokenChoice, ExpertChoice)",
            DefaultValueFactory = _ => string.Join(",", CompareBenchmark.AllFamilies),
        };
        var steps = new Option<int>("--steps") { Description = "Steps per model", DefaultValueFactory = _ => 300 };
        var evalInterval = new Option<int>("--eval-interval") { Description = "Steps between eval points", DefaultValueFactory = _ => 25 };
        var evalBatches = new Option<int>("--eval-batches") { Description = "Held-out batches per eval point", DefaultValueFactory = _ => 8 };
        var batch = new Option<int?>("--batch") { Description = "Batch size (default: the preset's, at least the group size)" };
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate, the same for every model", DefaultValueFactory = _ => 2e-3 };
        var data = new Option<string>("--data") { Description = "demo, synthetic or a corpus path", DefaultValueFactory = _ => "demo" };
        var tokenizer = new Option<string>("--tokenizer") { Description = "bytes or bpe", DefaultValueFactory = _ => "bytes" };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => "auto" };
        var output = new Option<string>("--out", "-o") { Description = "Folder for compare.csv and compare.png", DefaultValueFactory = _ => Path.Combine("runs", "bench-compare") };
        var command = new Command("compare", "Train dense, MoT, Token Choice and Expert Choice at equal FLOPs/token and compare held-out eval loss")
            { size, experts, families, steps, evalInterval, evalBatches, batch, learningRate, data, tokenizer, device, output };
        command.SetAction((parse, cancel) => Task.Run(() =>
        {
            var chosen = ParseFamilies(parse.GetValue(families)!);
            if (chosen is null)
            {
                Console.Error.WriteLine($"error: --families: use a comma-separated list of {string.Join(", ", CompareBenchmark.AllFamilies)}");
                return 2;
            }
            var settings = new CompareSettings(parse.GetValue(size)!, parse.GetValue(experts), chosen, parse.GetValue(steps),
                parse.GetValue(evalInterval), parse.GetValue(evalBatches), parse.GetValue(batch), parse.GetValue(learningRate),
                new DataConfig(parse.GetValue(data)!, parse.GetValue(tokenizer)!), parse.GetValue(device)!);
            var benchmark = new CompareBenchmark(settings);
            var outputDirectory = parse.GetValue(output)!;
            var runs = benchmark.Run(outputDirectory, Console.WriteLine, cancel);

            Console.Write(CompareBenchmark.Table(runs));
            Directory.CreateDirectory(outputDirectory);
            File.WriteAllText(Path.Combine(outputDirectory, "compare.csv"), CompareBenchmark.Csv(runs));
            CompareBenchmark.Plot(runs, Path.Combine(outputDirectory, "compare.png"), $"{parse.GetValue(size)} models, held-out eval loss");
            Console.WriteLine($"wrote {Path.Combine(outputDirectory, "compare.csv")} and compare.png");
            return 0;
        }, CancellationToken.None));
        return command;
    }

    /// <summary>The families named in a comma-separated list, in its order; null when one is unknown or the list is empty.</summary>
    internal static IReadOnlyList<string>? ParseFamilies(string list)
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var families = names.Select(n => CompareBenchmark.AllFamilies.FirstOrDefault(f => f.Equals(n, StringComparison.OrdinalIgnoreCase))).ToList();
        return families.Count == 0 || families.Any(f => f is null) ? null : families.Select(f => f!).Distinct().ToList();
    }
}
