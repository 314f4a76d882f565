using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MoT.Dashboard.Accounts;
using MoT.Dashboard.Auditing;
using MoT.Dashboard.Api;
using MoT.Dashboard.Components;
using MoT.Dashboard.Export;
using MoT.Dashboard.Platform;
using MoT.Dashboard.Runs;
using MoT.Data;
using MoT.Silo;
using MoT.Silo.Persistence;
using MoT.Silo.Sweeps;
using MudBlazor.Services;
using Scalar.AspNetCore;

namespace MoT.Dashboard.Hosting;

/// <summary>The dashboard host, as a table of contents: platform, web services, start-up, endpoints.</summary>
public static class DashboardHostingExtensions
{
    /// <summary>
    /// All-in-one: a co-hosted silo with role all (configured by MoT.Silo's <see cref="SiloBuilderExtensions.AddMotSilo"/>,
    /// localhost clustering unless Orleans:Clustering says otherwise) training with the executor chosen by
    /// <see cref="TrainingExecutorRegistration"/>. Client: an Orleans client of the cluster named by Orleans:Clustering (the membership table on PostgreSQL,
    /// or this machine's gateway on Dashboard:GatewayPort). Both: the run store (MoT.Data).
    /// </summary>
    public static WebApplicationBuilder AddMotPlatform(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var options = configuration.GetSection(DashboardOptions.Section).Get<DashboardOptions>() ?? new DashboardOptions();
        builder.Services.Configure<DashboardOptions>(configuration.GetSection(DashboardOptions.Section));
        builder.Services.AddMotData(configuration);
        // One set of input limits for the forms here and the grains of a co-hosted silo.
        builder.Services.AddRunConfigSchema(configuration);
        builder.Services.AddMetricFlushOnStop(); // before the silo: stops after it, once training has drained

        var host = configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>() ?? new SiloHostOptions();
        var clustering = ClusterMembership.Read(configuration);
        if (options.IsAllInOne)
        {
            host.Role = "all";
            TrainingExecutorRegistration.Apply(host, configuration);
            builder.UseOrleans(silo => silo.AddMotSilo(configuration, host, clustering));
        }
        else
        {
            builder.UseOrleansClient(client => client.UseMotClustering(clustering, options.GatewayPort, host.ServiceId, host.ClusterId).UseMotTls(configuration));
        }

        if (string.Equals(options.RunHistory, "Database", StringComparison.OrdinalIgnoreCase))
            builder.Services.AddSingleton<IRunHistory, DatabaseRunHistory>();
        else
            builder.Services.AddSingleton<IRunHistory, GrainRunHistory>();
        return builder;
    }

    /// <summary>Blazor Server, MudBlazor, cookie authentication and the dashboard's own services.</summary>
    public static WebApplicationBuilder AddMotDashboard(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // `dotnet run` in Production (what ./build.sh run does, so no developer error pages reach anyone) serves
        // MudBlazor's and Blazor's files from the build's static-asset manifest; a publish has them in wwwroot.
        builder.WebHost.UseStaticWebAssets();
        services.AddRazorComponents().AddInteractiveServerComponents();
        // Snackbars bottom-right, clear of the action buttons at the top of each page.
        services.AddMudServices(o => o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = AccountEndpoints.LoginPath;
                o.AccessDeniedPath = "/denied";
                o.Cookie.Name = "mot.auth";
                o.SlidingExpiration = true;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddOidcIfConfigured(builder.Configuration);
        services.AddAuthorizationBuilder().AddMotPolicies();
        services.AddSingleton<ApiTokenService>();
        services.AddMotApiDocuments();
        services.AddHealthChecks();
        services.AddCascadingAuthenticationState();
        services.Configure<AccountSeedOptions>(builder.Configuration.GetSection(DashboardOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AccountService>();
        services.Configure<SignInThrottleOptions>(builder.Configuration.GetSection(SignInThrottleOptions.Section));
        services.AddSingleton<SignInThrottle>();
        services.AddSignInRateLimit(builder.Configuration);
        services.AddAuditing();
        services.AddSingleton<RunCatalog>();
        services.AddScoped<CurrentUser>();
        services.AddScoped<PlatformCommands>();
        services.AddSingleton<Export.RunExport>();
        services.AddScoped<ClusterView>();
        services.AddScoped<LeaderboardView>();
        services.AddSingleton<RunReader>();
        services.AddTransient<RunDetailViewModel>();
        services.AddSingleton(sp => new RunLiveFeeds(sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<ILogger<RunLiveFeeds>>()));
        services.AddSingleton<IRunConsoleLog, DatabaseRunConsoleLog>();
        services.AddScoped<MoT.Dashboard.Sweeps.SweepAnalyzer>();
        return builder;
    }

    /// <summary>Applies migrations (embedded mode) and creates the configured seed accounts.</summary>
    public static async Task InitializeMotDashboardAsync(this WebApplication app)
    {
        await MotDatabase.MigrateAsync(app.Services);
        await app.Services.GetRequiredService<AccountService>().SeedAsync();
    }

    /// <summary>Anonymous liveness endpoint (compose healthcheck, Kubernetes probes).</summary>
    public const string HealthPath = "/health";

    public const string DetailedErrorsKey = "Dashboard:DetailedErrors";

    public static WebApplication MapMotDashboard(this WebApplication app)
    {
        // Stack traces and echoed request headers (the developer exception page) only on the explicit flag
        // Dashboard:DetailedErrors=true, whatever the environment: otherwise a plain page with the request id.
        if (app.Configuration.GetValue(DetailedErrorsKey, false))
            app.UseDeveloperExceptionPage();
        else
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseClientAddress();
        // Inside the page handler: an API call that hits a bug gets problem+json with a request id, never a page or a trace.
        app.UseWhen(http => http.Request.Path.StartsWithSegments(ApiEndpoints.Prefix), api => api.UseExceptionHandler());
        app.UseAuthentication();
        app.UsePasswordChangeGate();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapAccountEndpoints();
        // Liveness for container healthchecks and probes: anonymous, no page render, no database round trip.
        app.MapHealthChecks(HealthPath);
        app.MapOidcSignIn();
        app.MapMotApi();
        // The API's description and its browsable reference are public: they hold no data, only the shape of the API.
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(o => o.WithTitle("MoT Platform API")).AllowAnonymous();
        app.MapExportEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
