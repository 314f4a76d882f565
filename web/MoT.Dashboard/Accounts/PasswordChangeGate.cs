using System.Security.Claims;

namespace MoT.Dashboard.Accounts;

/// <summary>
/// While a signed-in user must change their password (a claim set at sign-in), every page and action except changing
/// it and signing out leads back to the change page; requests that are not page loads get 403. Static files pass.
/// </summary>
public static class PasswordChangeGate
{
    /// <summary>Claim carried by the sign-in cookie until the password is changed.</summary>
    public const string Claim = "mot:must-change-password";

    public const string PagePath = "/account/password";

    private static readonly string[] AllowedPaths = [PagePath, AccountEndpoints.ChangePasswordPath, AccountEndpoints.LogoutPath, AccountEndpoints.LoginPath, "/error"];

    public static bool MustChange(ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true && user.HasClaim(Claim, "true");

    public static IApplicationBuilder UsePasswordChangeGate(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (!MustChange(context.User)) return next(context);
            var path = context.Request.Path;
            if (AllowedPaths.Any(p => path.Equals(p, StringComparison.OrdinalIgnoreCase)) || IsStaticFile(path)) return next(context);
            if (HttpMethods.IsGet(context.Request.Method) && !path.StartsWithSegments("/_blazor"))
            {
                context.Response.Redirect(PagePath);
                return Task.CompletedTask;
            }

            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync("Change your password first.\n");
        });

    // Stylesheets, scripts and fonts have a file extension; pages, the Blazor hub and the endpoints do not.
    private static bool IsStaticFile(PathString path) =>
        !path.StartsWithSegments("/_blazor") && Path.HasExtension(path.Value);
}
