namespace MoT.Dashboard.Auditing;

/// <summary>Registration of the audit log and of the per-request client address it records.</summary>
public static class AuditingExtensions
{
    public static IServiceCollection AddAuditing(this IServiceCollection services)
    {
        services.AddScoped<ClientAddress>();
        services.AddScoped<AuditLog>();
        services.AddSingleton<AuditLogQuery>();
        return services;
    }

    /// <summary>Every request's scope knows its client's address (what the connection says; no proxy headers are trusted).</summary>
    public static IApplicationBuilder UseClientAddress(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.RequestServices.GetRequiredService<ClientAddress>().Value = context.Connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4().ToString() : context.Connection.RemoteIpAddress?.ToString();
            return next(context);
        });
}
