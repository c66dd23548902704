/* main.c - concur's entry point; everything else is in cli.c and the modules it drives. */
#include "concur/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
