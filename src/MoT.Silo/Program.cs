using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using MoT.Silo;
using MoT.Silo.Persistence;

// mot-silo [--role control|gpu|all] [--simulate] [--demo] [--bench N] [--Silo:Name n --Silo:SiloPort p ...]
var builder = Host.CreateApplicationBuilder(CommandLine.ToConfigurationArgs(args));
var host = builder.Configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>() ?? new SiloHostOptions();
var clustering = ClusterMembership.Read(builder.Configuration);

if (!host.HasControl && !host.HasGpu)
{
    Console.Error.WriteLine($"--role '{host.Role}' is not one of control, gpu, all.");
    return 2;
}

// A gpu silo trains with TorchSharp: bind libtorch (MOT_LIBTORCH_DIR or the bundled package) before any torch use.
if (host.HasGpu && MoT.Training.Native.NativeTorch.TryLoad() is { } torchProblem)
{
    Console.Error.WriteLine($"error: {torchProblem}");
    return 1;
}

if (host.HasControl && builder.Configuration.GetValue("Database:MigrateOnStart", true))
{
    builder.Services.AddDatabaseMigrationOnStart();
}

// Registered before the silo so that it stops after it: the silo drains its attempts, then the last metrics are written.
builder.Services.AddMetricFlushOnStop();
try
{
    builder.UseOrleans(silo => silo.AddMotSilo(builder.Configuration, host, clustering));
}
catch (InvalidOperationException setting)
{
    // Settings are checked while the silo is configured (clustering, endpoints, TLS certificate): one line naming it.
    Console.Error.WriteLine($"error: {setting.Message}");
    return 1;
}

if (host.Demo)
{
    builder.Services.AddHostedService<DemoSweepService>();
}

if (host.Bench > 0)
{
    builder.Services.AddSingleton(host);
    builder.Services.AddHostedService<SchedulingBenchmarkService>();
}

await builder.Build().RunAsync();
return 0;
